import { malformedResponse } from '../common/upstream-error-from-response.js';
import { parseJsonBody, upstreamFetch } from '../common/upstream-fetch.js';
import type { ProviderEndpoint } from '../provider.js';
import { automatic1111HttpError } from './automatic1111-errors.js';
import { basicAuthHeader } from './automatic1111-request.js';
import { readCheckpointTitles } from './automatic1111-wire-types.js';

/**
 * The checkpoint titles a server holds (`GET {base}/sdapi/v1/sd-models`): what a route's `model`
 * must name. Used by the probe, and the list a catalog check compares the routes with.
 */
export async function listAutomatic1111Checkpoints(endpoint: ProviderEndpoint<unknown>, signal: AbortSignal): Promise<string[]> {
  const provider = endpoint.instance;
  const response = await upstreamFetch({
    provider,
    method: 'GET',
    url: `${endpoint.baseUrl}/sdapi/v1/sd-models`,
    headers: basicAuthHeader(endpoint.apiKey),
    signal,
  });
  if (response.status !== 200) throw automatic1111HttpError(provider, response, endpoint.apiKey);
  const titles = readCheckpointTitles(parseJsonBody(response.body));
  if (titles === undefined) throw malformedResponse(provider, 'the checkpoint list is not a JSON array');
  return titles;
}
