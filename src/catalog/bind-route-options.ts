import type { z } from 'zod';
import { Catalog } from './catalog.js';
import { CatalogError, type CatalogProblem } from './catalog-error.js';
import { deepFreeze, type ResolvedModel, type ResolvedRoute } from './resolved-model.js';
import type { Pricing } from './model-schema.js';
import { priceRangeMicros, pricingToMicros } from './pricing-micros.js';
import { schemaProblems } from './schema-problems.js';

/**
 * Where the catalog meets the providers: the schema of a route's `options:` by the instance it
 * names. The catalog names providers as data only, so it asks through this port (the provider
 * registry answers it) instead of importing adapters.
 */
export interface RouteOptionsSchemas {
  /** `undefined` for an instance this gateway does not know: its routes are never called. */
  routeOptionsSchema(instanceId: string): z.ZodType | undefined;
  /** A price the instance's config sets for every route on it (self-hosted GPU time), over the catalog's. */
  instancePricing?(instanceId: string): Pricing | undefined;
}

/**
 * The catalog with every route's `options:` parsed by its provider's schema, once, at boot: what
 * the router hands the adapter is the parsed value. A route on an instance whose config sets a price
 * (`gpu_second_usd`) takes that price instead of the catalog's. Every bad option is reported at once, each
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
    const pricing = schemas.instancePricing?.(route.provider);
    if (pricing === undefined) return { ...route, options: parsed.data };
    const pricingMicros = pricingToMicros(pricing);
    return { ...route, options: parsed.data, priced: true, pricingMicros, priceRangeMicros: priceRangeMicros(pricingMicros) };
  });
  return changed ? deepFreeze({ ...model, routes }) : model;
}
