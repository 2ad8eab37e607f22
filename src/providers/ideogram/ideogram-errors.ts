import type { UpstreamError } from '../../errors/upstream-error.js';
import { contentPolicyError, upstreamErrorFromResponse } from '../common/upstream-error-from-response.js';
import { parseJsonBody, type UpstreamResponse } from '../common/upstream-fetch.js';
import { readErrorMessage } from './ideogram-wire-types.js';

/**
 * An HTTP error from Ideogram. Bodies are untyped except the 422 safety refusal (`{"error": ...}`),
 * so kinds follow the status: 422 is a content-policy refusal on this API (the prompt or an input
 * image failed the safety check), never a malformed field, which Ideogram answers with 400.
 * 401 bad key, 402 credits used up, 403 not entitled, 429 too many in-flight requests, 503
 * unavailable, as the shared status table has them.
 */
export function ideogramHttpError(provider: string, response: UpstreamResponse, apiKey: string | undefined): UpstreamError {
  const parsed = parseJsonBody(response.body);
  const message = readErrorMessage(parsed ?? response.body.toString('utf8').slice(0, 400));
  if (response.status === 422) return contentPolicyError(provider, message, [apiKey]);
  return upstreamErrorFromResponse(provider, response, {
    ...(message === undefined ? {} : { upstreamMessage: message }),
    secrets: [apiKey],
  });
}
