import type { FastifyPluginAsync } from 'fastify';
import type { CatalogQueries } from '../../catalog/catalog-queries.js';
import { ApiError } from '../../errors/api-error.js';
import type { ProviderHealthView } from '../http-services.js';
import { modelRoutesJson } from '../model-routes-json.js';
import { authenticate, type FindKey } from '../plugins/authenticate.js';

export interface ModelRouteHealthRoutesOptions {
  findKey: FindKey;
  catalog: CatalogQueries;
  providerHealth: ProviderHealthView;
}

/** `GET /v1/models/{id}/routes`: a model's routes, their prices and health (any valid key). */
export const modelRouteHealthRoutes: FastifyPluginAsync<ModelRouteHealthRoutesOptions> = async (app, options) => {
  const { catalog } = options.catalog;
  app.addHook('onRequest', authenticate(options.findKey));

  const answer = async (id: string) => {
    const model = catalog.get(id);
    if (!model) throw new ApiError({ kind: 'not_found', param: 'model', message: `Model '${id}' not found.` });
    return modelRoutesJson(model, await options.providerHealth.list());
  };
  // Ids are `author/name`; these parametric paths win over `/v1/models/*`, which would take the
  // whole rest of the path as an id. One segment covers aliases and percent-encoded ids.
  app.get<{ Params: { author: string; name: string } }>('/v1/models/:author/:name/routes', async (request) =>
    answer(`${request.params.author}/${request.params.name}`),
  );
  app.get<{ Params: { id: string } }>('/v1/models/:id/routes', async (request) => answer(request.params.id));
};
