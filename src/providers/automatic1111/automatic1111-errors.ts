import type { UpstreamError } from '../../errors/upstream-error.js';
import { upstreamErrorFromResponse } from '../common/upstream-error-from-response.js';
import { parseJsonBody, type UpstreamResponse } from '../common/upstream-fetch.js';
import { readErrorBody } from './automatic1111-wire-types.js';

/**
 * An HTTP error from the WebUI. Kinds follow the status: 401 is `--api-auth` refusing the
 * credentials, 404 ("Sampler not found", "Init image not found") and 422 (pydantic validation, or a
 * missing script) a request the server will never accept, 500 a failure of the run (CUDA out of
 * memory, a bad image) that another attempt or server may survive. 429 and 503 only come from a
 * proxy in front of it, and keep their `Retry-After`. Validation errors name the body field.
 */
export function automatic1111HttpError(provider: string, response: UpstreamResponse, credentials: string | undefined): UpstreamError {
  const { errorClass, message, field } = readErrorBody(parseJsonBody(response.body));
  const parts = [errorClass && errorClass !== 'HTTPException' ? errorClass : undefined, field ? `'${field}'` : undefined, message];
  const upstreamMessage = parts.filter((part) => part !== undefined).join(': ');
  return upstreamErrorFromResponse(provider, response, {
    ...(upstreamMessage ? { upstreamMessage } : {}),
    ...(errorClass === 'OutOfMemoryError' ? { code: 'out_of_memory' } : {}),
    secrets: [credentials, credentials ? Buffer.from(credentials, 'utf8').toString('base64') : undefined],
  });
}
