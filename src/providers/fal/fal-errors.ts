import type { ErrorKind } from '../../errors/api-error.js';
import type { UpstreamError } from '../../errors/upstream-error.js';
import { contentPolicyError, upstreamErrorFromResponse } from '../common/upstream-error-from-response.js';
import { parseJsonBody, type UpstreamResponse } from '../common/upstream-fetch.js';
import { readErrorBody } from './fal-wire-types.js';

/** fal's structured refusal, an entry `type` of a 422 `detail` array. */
export const CONTENT_POLICY_TYPE = 'content_policy_violation';

/**
 * fal's infrastructure `error_type`s (body field, mirrored in `X-Fal-Error-Type`): the request never
 * ran for want of a runner, or ran out of time before starting. Other types fall back to the status.
 */
const KIND_BY_ERROR_TYPE: Readonly<Record<string, ErrorKind>> = {
  request_timeout: 'timeout',
  startup_timeout: 'timeout',
  runner_scheduling_failure: 'unavailable',
  runner_connection_timeout: 'unavailable',
  runner_disconnected: 'unavailable',
  runner_connection_refused: 'unavailable',
};

/**
 * An HTTP error from any queue call (submit, status, result) as an `UpstreamError`: content policy
 * by the `detail[].type`, infrastructure failures by `error_type`, the rest by status.
 */
export function falErrorFromResponse(
  provider: string,
  response: UpstreamResponse,
  secrets: ReadonlyArray<string | undefined>,
): UpstreamError {
  const body = readErrorBody(parseJsonBody(response.body));
  if (body.items.some((item) => item.type === CONTENT_POLICY_TYPE)) {
    return contentPolicyError(provider, body.message, secrets);
  }
  const headerType = response.headers['x-fal-error-type'];
  const errorType = body.errorType ?? (typeof headerType === 'string' ? headerType : undefined);
  const kind = errorType === undefined ? undefined : KIND_BY_ERROR_TYPE[errorType];
  const code = errorType ?? body.items[0]?.type;
  return upstreamErrorFromResponse(provider, response, {
    ...(kind ? { kind } : {}),
    ...(body.message ? { upstreamMessage: body.message } : {}),
    ...(code ? { code } : {}),
    secrets,
  });
}
