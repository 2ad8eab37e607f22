import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context.js';
import { popularModelCounts } from '../../accounts/generation-repository.js';
import { getModelOpenAI, getModelV1, getModelV2, listModelsOpenAI, listModelsV1, listModelsV2, popularModels, type ModelAvailability } from '../../catalog/list-models.js';

const POPULAR_WINDOW_MS = 7 * 86_400_000;

/** The public catalog endpoints: no key needed, as in the public service. */
export async function modelRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  const { catalog, registry } = context;
  const availability: ModelAvailability = (model) =>
    model.status === 'active' && model.routes.some((route) => route.priced && registry.get(route.provider) !== undefined);

  app.get('/v1/models', async (request) => listModelsV1(catalog, request.query, availability));
  // Ids contain slashes: a wildcard takes them whether sent raw or percent-encoded.
  app.get<{ Params: { '*': string } }>('/v1/models/*', async (request) => getModelV1(catalog, decodeURIComponent(request.params['*']), availability));
  app.get('/v2/models', async (request) => listModelsV2(catalog, request.query, availability));
  app.get<{ Params: { '*': string } }>('/v2/models/*', async (request) => getModelV2(catalog, decodeURIComponent(request.params['*']), availability));
  app.get('/v1/openai/models', async () => listModelsOpenAI(catalog, availability));
  app.get<{ Params: { '*': string } }>('/v1/openai/models/*', async (request) => getModelOpenAI(catalog, decodeURIComponent(request.params['*']), availability));
  app.get('/v1/openai/images/models', async (request) => listModelsV1(catalog, request.query, availability));

  const popular = async () => {
    const counts = await popularModelCounts(context.database.db, context.clock() - POPULAR_WINDOW_MS);
    return popularModels(catalog, counts, availability);
  };
  app.post('/operations/get-popular-models', popular);
  app.get('/operations/get-popular-models', popular);
}
