import type { UpstreamError } from '../../errors/upstream-error.js';
import { contentPolicyError, upstreamErrorFromResponse } from '../common/upstream-error-from-response.js';
import { parseJsonBody, type UpstreamResponse } from '../common/upstream-fetch.js';
import { readErrorBody } from './openrouter-wire-types.js';

/**
 * An HTTP error from OpenRouter (`{"error": {code, message, metadata}}`). A 403 carrying
 * `metadata.reasons` is a moderation refusal, our content-policy 400; everything else follows the
 * status: 401 bad key, 402 out of credits, 429 rate limited (with `Retry-After`), 502/503 the
 * model's own provider failed.
 */
export function openRouterHttpError(provider: string, response: UpstreamResponse, apiKey: string | undefined): UpstreamError {
  const body = readErrorBody(parseJsonBody(response.body));
  if (response.status === 403 && body.moderationReasons !== undefined) {
    const reasons = body.moderationReasons.length > 0 ? ` (${body.moderationReasons.join(', ')})` : '';
    return contentPolicyError(provider, `${body.message ?? 'flagged by moderation'}${reasons}`, [apiKey]);
  }
  return upstreamErrorFromResponse(provider, response, {
    ...(body.message === undefined ? {} : { upstreamMessage: body.message }),
    secrets: [apiKey],
  });
}
