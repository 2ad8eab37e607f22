import type { ProviderEndpoint, UpstreamModelList } from '../provider.js';
import { readOpenAIStyleModelList } from '../common/openai-style-model-list.js';
import { upstreamFetch, type UpstreamResponse } from '../common/upstream-fetch.js';
import { openAICompatibleRouteOptionsSchema, resolveCallConfig, type OpenAICompatibleSettings } from './openai-compatible-config.js';
import { upstreamTarget } from './openai-compatible-endpoints.js';
import { errorFromResponse } from './openai-compatible-errors.js';
import type { Flavor } from './openai-compatible-flavors.js';
import { authHeaders } from './openai-compatible-request.js';

/** Model lists are small; an answer above this is not a model list. */
const MODEL_LIST_MAX_BYTES = 8 * 1024 * 1024;
/** The list concerns the instance, not a route. */
const NO_ROUTE_OPTIONS = openAICompatibleRouteOptionsSchema.parse({});

export interface ModelListRequest {
  url: string;
  headers: Record<string, string>;
  flavor: Flavor;
}

/** The instance's model list URL and auth; throws on settings the flavor cannot use. */
export function modelListRequest(endpoint: ProviderEndpoint<OpenAICompatibleSettings>): ModelListRequest {
  const config = resolveCallConfig(endpoint, NO_ROUTE_OPTIONS);
  return {
    url: upstreamTarget(endpoint.baseUrl, '', config).probeUrl,
    headers: { ...authHeaders(config.profile.auth, endpoint.apiKey), accept: 'application/json' },
    flavor: config.profile.flavor,
  };
}

/** One authenticated GET of the list: the doctor's probe and `models check` send the same request. */
export function fetchModelList(
  endpoint: ProviderEndpoint<OpenAICompatibleSettings>,
  request: ModelListRequest,
  signal: AbortSignal,
): Promise<UpstreamResponse> {
  return upstreamFetch({
    provider: endpoint.instance,
    method: 'GET',
    url: request.url,
    headers: request.headers,
    signal,
    maxBodyBytes: MODEL_LIST_MAX_BYTES,
  });
}

/**
 * `models check`: the flavor's list. xAI's lists image models only; Together types each entry;
 * the others (DeepInfra, LocalAI, vLLM, SGLang) list everything, unmarked. Azure's data-plane list
 * names base models while its routes name the resource's deployments, so Azure cannot tell.
 */
export async function listOpenAICompatibleModels(
  endpoint: ProviderEndpoint<OpenAICompatibleSettings>,
  signal: AbortSignal,
): Promise<UpstreamModelList> {
  const request = modelListRequest(endpoint);
  if (request.flavor === 'azure')
    return { kind: 'unknown', reason: "Azure's model list names base models, not the resource's deployments that routes name" };
  const response = await fetchModelList(endpoint, request, signal);
  if (response.status < 200 || response.status > 299) throw errorFromResponse(endpoint.instance, response, endpoint.apiKey);
  return {
    kind: 'listed',
    source: `GET ${new URL(request.url).pathname}`,
    models: readOpenAIStyleModelList(endpoint.instance, response.body, request.flavor === 'xai'),
  };
}
