import type { ResolvedModel } from '../catalog/resolved-model.js';
import { microsToUsd } from '../domain/money.js';
import type { ProviderInstanceHealth } from '../routing/provider-health-report.js';

/**
 * A model's routes as the router sees them: the catalog's facts (instance, upstream model, price)
 * joined with this process's health of each configured instance. Instance ids only, never keys.
 */
export function modelRoutesJson(model: ResolvedModel, health: readonly ProviderInstanceHealth[]) {
  const byInstance = new Map(health.map((entry) => [entry.instance, entry]));
  return {
    model: model.id,
    strategy: model.routing.strategy,
    routes: model.routes.map((route) => {
      // The health report lists configured instances only: absence means the router skips the route.
      const instance = byInstance.get(route.provider);
      return {
        provider: route.provider,
        upstream_model: route.model,
        priority: route.priority,
        configured: instance !== undefined,
        price: route.priced
          ? {
              type: route.pricingMicros.type,
              min: microsToUsd(route.priceRangeMicros.minMicros),
              average: microsToUsd(route.priceRangeMicros.averageMicros),
              max: microsToUsd(route.priceRangeMicros.maxMicros),
            }
          : null,
        breaker: instance?.breaker ?? null,
        error_rate: instance?.errorRate ?? null,
        p50_latency_ms: instance?.p50LatencyMs ?? null,
        recent_calls: instance?.calls ?? 0,
      };
    }),
  };
}
