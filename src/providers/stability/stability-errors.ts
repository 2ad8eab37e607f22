import type { UpstreamError } from '../../errors/upstream-error.js';
import { upstreamErrorFromResponse } from '../common/upstream-error-from-response.js';
import { parseJsonBody, type UpstreamResponse } from '../common/upstream-fetch.js';
import { readErrorBody } from './stability-wire-types.js';

/** The `name` Stability gives a flagged prompt or image (HTTP 403). */
const CONTENT_MODERATION = 'content_moderation';

/**
 * An HTTP error from Stability. Kinds follow the status (400/413/422 invalid request, 401 auth, 402
 * credits, 429 rate limit with its `Retry-After`, 5xx upstream failure), except a 403 whose `name`
 * is `content_moderation`: that is the client's content-policy refusal, not a permission problem.
 */
export function stabilityHttpError(provider: string, response: UpstreamResponse, apiKey: string | undefined): UpstreamError {
  const body = readErrorBody(parseJsonBody(response.body));
  const moderated = response.status === 403 && body.name === CONTENT_MODERATION;
  return upstreamErrorFromResponse(provider, response, {
    ...(moderated ? { kind: 'content_policy' as const, code: 'content_policy_violation' } : {}),
    ...(body.message === undefined ? {} : { upstreamMessage: body.name ? `${body.name}: ${body.message}` : body.message }),
    secrets: [apiKey],
  });
}
