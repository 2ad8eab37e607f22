import type { z } from 'zod';
import { Catalog } from './catalog.js';
import { CatalogError, type CatalogProblem } from './catalog-error.js';
import { deepFreeze, type ResolvedModel, type ResolvedRoute } from './resolved-model.js';
import { schemaProblems } from './schema-problems.js';

/**
 * Where the catalog meets the providers: the schema of a route's `options:` by the instance it
 * names. The catalog names providers as data only, so it asks through this port (the provider
 * registry answers it) instead of importing adapters.
 */
export interface RouteOptionsSchemas {
  /** `undefined` for an instance this gateway does not know: its routes are never called. */
  routeOptionsSchema(instanceId: string): z.ZodType | undefined;
}

/**
 * The catalog with every route's `options:` parsed by its provider's schema, once, at boot: what
 * the router hands the adapter is the parsed value. Every bad option is reported at once, each
 * naming the file, the model, the route and the option, so a broken deployment never starts.
 */
export function bindRouteOptions(catalog: Catalog, schemas: RouteOptionsSchemas): Catalog {
  const problems: CatalogProblem[] = [];
  const models = catalog.all().map((model) => bindModel(model, schemas, problems));
  if (problems.length > 0) throw new CatalogError(problems);
  return catalog.withModels(models);
}

function bindModel(model: ResolvedModel, schemas: RouteOptionsSchemas, problems: CatalogProblem[]): ResolvedModel {
  let changed = false;
  const routes = model.routes.map((route): ResolvedRoute => {
    const schema = schemas.routeOptionsSchema(route.provider);
    if (schema === undefined) return route;
    const parsed = schemaProblems(schema, route.options, model.source, ['options']);
    if (!parsed.ok) {
      for (const problem of parsed.problems) {
        problems.push({
          file: model.source,
          path: '',
          message: `model '${model.id}', route ${route.provider} (${route.model}): ${problem.path}: ${problem.message}`,
        });
      }
      return route;
    }
    changed = true;
    return { ...route, options: parsed.data };
  });
  return changed ? deepFreeze({ ...model, routes }) : model;
}
