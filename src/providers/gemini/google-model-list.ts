import { z } from 'zod';
import type { ProviderEndpoint, UpstreamModel, UpstreamModelList } from '../provider.js';
import { malformedResponse } from '../common/upstream-error-from-response.js';
import { parseJsonBody, upstreamFetch, type UpstreamResponse } from '../common/upstream-fetch.js';
import { googleAuthHeaders, googleModelsUrl, isVertexEndpoint, type GoogleSettings } from './google-endpoint.js';
import { googleUpstreamError } from './google-error.js';

/** Google's largest page; the list is a few dozen models, so one or two pages. */
const PAGE_SIZE = 1000;
/** A server that keeps handing out page tokens must not keep us here forever. */
const MAX_PAGES = 50;

const pageSchema = z.looseObject({
  models: z.array(z.looseObject({ name: z.string().min(1), supportedGenerationMethods: z.array(z.string()).default([]) })).default([]),
  nextPageToken: z.string().optional(),
});

/** Which entries of Google's shared list are this adapter's image models (the list does not say in a word). */
export type GoogleImageModelTest = (id: string, methods: readonly string[]) => boolean;

/** One page of the Developer API's `GET /models`, with the instance's key: the doctor probes with `pageSize=1`. */
export function requestGoogleModelsPage(
  endpoint: ProviderEndpoint<GoogleSettings>,
  page: { pageSize: number; pageToken?: string },
  signal: AbortSignal,
): Promise<UpstreamResponse> {
  const query = new URLSearchParams({ pageSize: String(page.pageSize) });
  if (page.pageToken !== undefined) query.set('pageToken', page.pageToken);
  return upstreamFetch({
    provider: endpoint.instance,
    method: 'GET',
    url: `${googleModelsUrl(endpoint.baseUrl)}?${query.toString()}`,
    headers: googleAuthHeaders(endpoint),
    signal,
    maxBodyBytes: 4 * 1024 * 1024,
  });
}

/**
 * Every model of the Developer API, following `nextPageToken`; names lose their `models/` prefix.
 * Vertex has no project-scoped list of publisher models, so it cannot tell.
 */
export async function listGoogleModels(
  endpoint: ProviderEndpoint<GoogleSettings>,
  signal: AbortSignal,
  isImageModel: GoogleImageModelTest,
): Promise<UpstreamModelList> {
  if (isVertexEndpoint(endpoint)) return { kind: 'unknown', reason: 'Vertex AI has no list of the publisher models a project can use' };
  const models: UpstreamModel[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const response = await requestGoogleModelsPage(endpoint, { pageSize: PAGE_SIZE, ...(pageToken ? { pageToken } : {}) }, signal);
    if (response.status !== 200) throw googleUpstreamError(endpoint.instance, response, [endpoint.apiKey]);
    const parsed = pageSchema.safeParse(parseJsonBody(response.body));
    if (!parsed.success) throw malformedResponse(endpoint.instance, 'the model list is not a ListModels page');
    for (const model of parsed.data.models) {
      const id = model.name.replace(/^models\//, '');
      models.push({ id, image: isImageModel(id, model.supportedGenerationMethods) });
    }
    pageToken = parsed.data.nextPageToken || undefined;
    if (pageToken === undefined) return { kind: 'listed', source: `GET ${new URL(googleModelsUrl(endpoint.baseUrl)).pathname}`, models };
  }
  // A partial list would report the models on the pages never read as missing.
  throw malformedResponse(endpoint.instance, `the model list did not end after ${MAX_PAGES} pages`);
}
