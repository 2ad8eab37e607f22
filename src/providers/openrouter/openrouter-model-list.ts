import { z } from 'zod';
import type { ProviderEndpoint, UpstreamModelList } from '../provider.js';
import { malformedResponse } from '../common/upstream-error-from-response.js';
import { parseJsonBody, upstreamFetch } from '../common/upstream-fetch.js';
import { openRouterHttpError } from './openrouter-errors.js';
import { openRouterHeaders } from './openrouter-request.js';
import type { OpenRouterSettings } from './openrouter-route-options.js';

const listSchema = z.looseObject({
  data: z.array(
    z.looseObject({
      id: z.string().min(1),
      architecture: z.looseObject({ output_modalities: z.array(z.string()).optional() }).optional(),
    }),
  ),
});

/** `GET /models`: every model, each saying in `architecture.output_modalities` whether it outputs images. */
export async function listOpenRouterModels(
  endpoint: ProviderEndpoint<OpenRouterSettings>,
  signal: AbortSignal,
): Promise<UpstreamModelList> {
  const url = `${endpoint.baseUrl}/models`;
  const response = await upstreamFetch({ provider: endpoint.instance, method: 'GET', url, headers: openRouterHeaders(endpoint), signal });
  if (response.status < 200 || response.status >= 300) throw openRouterHttpError(endpoint.instance, response, endpoint.apiKey);
  const parsed = listSchema.safeParse(parseJsonBody(response.body));
  if (!parsed.success) throw malformedResponse(endpoint.instance, "the model list has no 'data' array of models");
  return {
    kind: 'listed',
    source: `GET ${url}`,
    models: parsed.data.data.map((model) => ({
      id: model.id,
      ...(model.architecture?.output_modalities ? { image: model.architecture.output_modalities.includes('image') } : {}),
    })),
  };
}
