import type { PriceRangeMicros } from './pricing-micros.js';
import { pricedRoutes, type ResolvedModel } from './resolved-model.js';

/**
 * A model's per-image price across its priced routes: the cheapest min, the dearest max, and the
 * average of the route tried first (lowest `priority`, then file order). `undefined` when no route
 * has a price (such a model sorts last by price and is never "free").
 */
export function modelPriceRange(model: ResolvedModel): PriceRangeMicros | undefined {
  const routes = pricedRoutes(model);
  const first = [...routes].sort((a, b) => a.priority - b.priority)[0];
  if (first === undefined) return undefined;
  return {
    minMicros: Math.min(...routes.map((route) => route.priceRangeMicros.minMicros)),
    averageMicros: first.priceRangeMicros.averageMicros,
    maxMicros: Math.max(...routes.map((route) => route.priceRangeMicros.maxMicros)),
  };
}

/** Some route serves the model at exactly $0 for every size and quality. */
export function isFreeModel(model: ResolvedModel): boolean {
  return pricedRoutes(model).some((route) => route.priceRangeMicros.maxMicros === 0);
}
