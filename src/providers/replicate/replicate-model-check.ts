import type { ProviderEndpoint } from '../provider.js';
import { upstreamErrorFromResponse } from '../common/upstream-error-from-response.js';
import { parseJsonBody, upstreamFetch } from '../common/upstream-fetch.js';
import { replicateAuthorization } from './replicate-authorization.js';
import type { ReplicateSettings } from './replicate-route-options.js';
import { parseProblemDetails } from './replicate-wire-types.js';

/** `owner/name`, optionally `:version`: the forms a route's model takes besides a bare version id. */
const MODEL_NAME = /^([^/:\s]+)\/([^/:\s]+)(?::[0-9a-f]+)?$/;

/**
 * Replicate has no list of "the models you use", so `models check` asks for each one: `GET
 * /models/{owner}/{name}` answers 200 or 404. A bare version id names no model and cannot be checked.
 */
export async function replicateHasModel(
  endpoint: ProviderEndpoint<ReplicateSettings>,
  upstreamModel: string,
  signal: AbortSignal,
): Promise<boolean | undefined> {
  const name = MODEL_NAME.exec(upstreamModel);
  if (!name) return undefined;
  const response = await upstreamFetch({
    provider: endpoint.instance,
    method: 'GET',
    url: `${endpoint.baseUrl}/models/${encodeURIComponent(name[1]!)}/${encodeURIComponent(name[2]!)}`,
    headers: replicateAuthorization(endpoint),
    signal,
    maxBodyBytes: 4 * 1024 * 1024,
  });
  if (response.status === 200) return true;
  if (response.status === 404) return false;
  const problem = parseProblemDetails(parseJsonBody(response.body));
  throw upstreamErrorFromResponse(endpoint.instance, response, {
    ...((problem.detail ?? problem.title) ? { upstreamMessage: problem.detail ?? problem.title } : {}),
    secrets: [endpoint.apiKey],
  });
}
