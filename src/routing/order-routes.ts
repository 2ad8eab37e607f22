import type { RoutingStrategy } from '../catalog/model-schema.js';

export interface OrderableRoute {
  provider: string;
  model: string;
  priority: number;
  weight: number;
}

export interface OrderRoutesInput<R extends OrderableRoute> {
  routes: R[];
  strategy: RoutingStrategy;
  /** This request's price per image on a route (for `cheapest`). */
  priceOf: (route: R) => number;
  /** Recent latency per `routeKey` (for `fastest`); a route without one is missing. */
  latency: ReadonlyMap<string, number>;
  /** In [0, 1): injected so tests are deterministic. */
  random: () => number;
}

export const routeKey = (route: { provider: string; model: string }) => `${route.provider}:${route.model}`;

/**
 * The order in which a request tries a model's routes. Every strategy keeps all routes (the
 * later ones are fallbacks); ties fall back to `priority`, then to catalog order.
 */
export function orderRoutes<R extends OrderableRoute>(input: OrderRoutesInput<R>): R[] {
  const indexed = input.routes.map((route, index) => ({ route, index }));
  const byPriority = (a: { route: R; index: number }, b: { route: R; index: number }) =>
    a.route.priority - b.route.priority || a.index - b.index;
  switch (input.strategy) {
    case 'priority':
      return indexed.sort(byPriority).map((entry) => entry.route);
    case 'cheapest':
      return indexed.sort((a, b) => input.priceOf(a.route) - input.priceOf(b.route) || byPriority(a, b)).map((entry) => entry.route);
    case 'fastest': {
      // Routes without a measurement go first, so every route gets measured.
      const latency = (route: R) => input.latency.get(routeKey(route)) ?? -1;
      return indexed.sort((a, b) => latency(a.route) - latency(b.route) || byPriority(a, b)).map((entry) => entry.route);
    }
    case 'weighted': {
      // Weighted random order without replacement (Efraimidis–Spirakis): key = u^(1/w), largest first.
      const keyed = indexed.map((entry) => {
        const weight = entry.route.weight;
        const key = weight > 0 ? Math.pow(Math.max(input.random(), Number.MIN_VALUE), 1 / weight) : -1;
        return { ...entry, key };
      });
      return keyed.sort((a, b) => b.key - a.key || byPriority(a, b)).map((entry) => entry.route);
    }
  }
}
