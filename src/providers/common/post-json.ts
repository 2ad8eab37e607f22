import type { UpstreamError } from '../../errors/upstream-error.js';
import { malformedResponse } from './upstream-error-from-response.js';
import { parseJsonBody, upstreamFetch, type UpstreamRequest, type UpstreamResponse } from './upstream-fetch.js';

/**
 * One synchronous JSON call: `POST` the body, map an HTTP error status with `errorOf` (the
 * provider's own error reader), and return the parsed 2xx body; a 2xx that is not JSON is a
 * malformed response naming `request.provider`.
 */
export async function postForJson(
  request: Omit<UpstreamRequest, 'method'>,
  errorOf: (response: UpstreamResponse) => UpstreamError,
): Promise<unknown> {
  const response = await upstreamFetch({ ...request, method: 'POST' });
  if (response.status < 200 || response.status >= 300) throw errorOf(response);
  const json = parseJsonBody(response.body);
  if (json === undefined) throw malformedResponse(request.provider, 'the body is not JSON');
  return json;
}
