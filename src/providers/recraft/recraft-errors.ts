import type { UpstreamError } from '../../errors/upstream-error.js';
import { upstreamErrorFromResponse } from '../common/upstream-error-from-response.js';
import { parseJsonBody, type UpstreamResponse } from '../common/upstream-fetch.js';
import { readErrorBody } from './recraft-wire-types.js';

/**
 * An HTTP error from Recraft. Bodies are plain text (`request unauthorized`) or JSON, so JSON is read
 * only when the answer says it is. Kinds follow the status (401 auth, 402 units used up, 429 rate
 * limited with `Retry-After`, 5xx unavailable); a validation error keeps the parameter Recraft named.
 * Recraft publishes no content-moderation error shape, so none is guessed from message text.
 */
export function recraftHttpError(provider: string, response: UpstreamResponse, apiKey: string | undefined): UpstreamError {
  const isJson = String(response.headers['content-type'] ?? '').includes('application/json');
  const body = isJson ? readErrorBody(parseJsonBody(response.body)) : undefined;
  const text = isJson ? body?.message : response.body.toString('utf8').trim().slice(0, 400) || undefined;
  const message = body?.param && text ? `${text} (parameter '${body.param}')` : text;
  return upstreamErrorFromResponse(provider, response, {
    ...(message === undefined ? {} : { upstreamMessage: message }),
    secrets: [apiKey],
  });
}
