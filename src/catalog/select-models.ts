import type { Catalog } from './catalog.js';
import { acceptsInput } from './model-inputs.js';
import { isFreeModel, modelPriceRange } from './model-price.js';
import type { ModelSelection, SortKey } from './models-query.js';
import type { ResolvedModel } from './resolved-model.js';

/**
 * Filters, sorts and limits the catalog for every list endpoint (one implementation: the public
 * service duplicated it for v1 and v2, W10). Without `sort`, catalog order is kept.
 */
export function selectModels(catalog: Catalog, selection: ModelSelection): ResolvedModel[] {
  const provider = selection.provider?.toLowerCase();
  const name = selection.name?.toLowerCase();
  const selected = catalog
    .all()
    .filter(
      (model) =>
        (selection.includeRetired || catalog.lifecycle(model).state !== 'retired') &&
        (selection.output === undefined || model.output.includes(selection.output)) &&
        (provider === undefined || matchesProvider(model, provider)) &&
        (selection.free === undefined || isFreeModel(model) === selection.free) &&
        (name === undefined || matchesName(model, name)) &&
        selection.inputs.every((input) => acceptsInput(model, input)),
    );
  // Array.prototype.sort is stable: ties keep catalog order.
  if (selection.sort !== undefined) selected.sort(COMPARATORS[selection.sort]);
  return selection.limit === undefined ? selected : selected.slice(0, selection.limit);
}

/**
 * The public service matched only the author prefix (W10). We also match the providers that
 * serve the model, so `provider=fal` finds models routed through fal whoever made them.
 */
function matchesProvider(model: ResolvedModel, needle: string): boolean {
  return model.author.toLowerCase().includes(needle) || model.routes.some((route) => route.provider.toLowerCase().includes(needle));
}

/** Id, aliases (the live docs search them) and the display name. */
function matchesName(model: ResolvedModel, needle: string): boolean {
  return [model.id, ...model.aliases, model.name ?? ''].some((text) => text.toLowerCase().includes(needle));
}

const byId = (a: ResolvedModel, b: ResolvedModel): number => a.id.localeCompare(b.id, 'en');

const COMPARATORS: Record<SortKey, (a: ResolvedModel, b: ResolvedModel) => number> = {
  name: byId,
  provider: (a, b) => a.author.localeCompare(b.author, 'en') || byId(a, b),
  // Cheapest possible image first, ranges included; a model without any price goes last.
  price: (a, b) =>
    (modelPriceRange(a)?.minMicros ?? Number.POSITIVE_INFINITY) - (modelPriceRange(b)?.minMicros ?? Number.POSITIVE_INFINITY) || 0,
  // Newest first; `YYYY-MM-DD` compares correctly as text.
  date: (a, b) => b.release_date.localeCompare(a.release_date),
};
