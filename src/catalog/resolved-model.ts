import type { Model, Route } from './model-schema.js';
import { priceRangeMicros, pricingToMicros, type PriceRangeMicros, type PricingMicros } from './pricing-micros.js';

/**
 * A route with its effective price: its own pricing, else the model's. Its `options` are the YAML
 * map as loaded; `bindRouteOptions` replaces them at boot with what the provider's schema made of
 * them, which only that provider's adapter reads.
 */
export type ResolvedRoute = Omit<Route, 'pricing' | 'options'> & { options: unknown } & (
    | { priced: true; pricingMicros: PricingMicros; priceRangeMicros: PriceRangeMicros }
    /** Neither the route nor its model has a price: never routed to (never a silent $0). */
    | { priced: false }
  );

/**
 * A catalog model as the rest of the gateway sees it. The USD `pricing` of the file is gone: every
 * amount is integer micro-USD, so nobody multiplies floats later.
 */
export type ResolvedModel = Omit<Model, 'routes' | 'pricing'> & {
  /** The text before the first `/` of the id (e.g. `black-forest-labs`): who made the model. */
  author: string;
  /** The model's default pricing (already applied to the routes without one). */
  pricingMicros: PricingMicros | undefined;
  routes: ResolvedRoute[];
  /** The file the model was defined in (the operator config file when added or overridden there). */
  source: string;
};

export function resolveModel(model: Model, source: string): ResolvedModel {
  const { routes, pricing, ...rest } = model;
  const modelPricing = pricing === undefined ? undefined : pricingToMicros(pricing);
  return deepFreeze({
    ...rest,
    author: model.id.slice(0, model.id.indexOf('/')),
    pricingMicros: modelPricing,
    routes: routes.map((route) => resolveRoute(route, modelPricing)),
    source,
  });
}

function resolveRoute(route: Route, modelPricing: PricingMicros | undefined): ResolvedRoute {
  const { pricing, ...rest } = route;
  const effective = pricing === undefined ? modelPricing : pricingToMicros(pricing);
  if (effective === undefined) return { ...rest, priced: false };
  return { ...rest, priced: true, pricingMicros: effective, priceRangeMicros: priceRangeMicros(effective) };
}

/** Whether some route of the model has its provider configured on this gateway (the caller knows). */
export type ModelAvailability = (model: ResolvedModel) => boolean;

/** The routes a generation may use: priced ones only. */
export function pricedRoutes(model: ResolvedModel): Array<Extract<ResolvedRoute, { priced: true }>> {
  return model.routes.filter((route): route is Extract<ResolvedRoute, { priced: true }> => route.priced);
}

/** Models are shared by every request; freezing makes an accidental mutation throw instead of leaking. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
