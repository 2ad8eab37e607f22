import type { ProviderEndpoint, UpstreamModelList } from '../provider.js';
import { readOpenAIStyleModelList } from '../common/openai-style-model-list.js';
import { upstreamFetch, type UpstreamResponse } from '../common/upstream-fetch.js';
import { openAIErrorFromResponse } from './openai-errors.js';
import { openAIHeaders } from './openai-request.js';
import type { OpenAISettings } from './openai-route-options.js';

/** A model list is a few hundred entries; more than this is not one. */
const MODEL_LIST_MAX_BYTES = 8 * 1024 * 1024;

/** `GET {base}/models` with the instance's key: the doctor's probe and `models check` send the same request. */
export function requestOpenAIModels(endpoint: ProviderEndpoint<OpenAISettings>, signal: AbortSignal): Promise<UpstreamResponse> {
  return upstreamFetch({
    provider: endpoint.instance,
    method: 'GET',
    url: openAIModelsUrl(endpoint),
    headers: openAIHeaders(endpoint),
    signal,
    maxBodyBytes: MODEL_LIST_MAX_BYTES,
  });
}

export function openAIModelsUrl(endpoint: Pick<ProviderEndpoint, 'baseUrl'>): string {
  return `${endpoint.baseUrl}/models`;
}

/** Every model the key can use; the list does not say which make images (`models check` guesses by name). */
export async function listOpenAIModels(endpoint: ProviderEndpoint<OpenAISettings>, signal: AbortSignal): Promise<UpstreamModelList> {
  const response = await requestOpenAIModels(endpoint, signal);
  if (response.status !== 200) throw openAIErrorFromResponse(endpoint.instance, response, [endpoint.apiKey]);
  return {
    kind: 'listed',
    source: `GET ${openAIModelsUrl(endpoint)}`,
    models: readOpenAIStyleModelList(endpoint.instance, response.body, false),
  };
}
