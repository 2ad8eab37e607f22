import type { CatalogModel } from '../api/models-api';

/** The catalog's filters and sort, as the Models page keeps them (and as its URL could). */
export interface ModelFilters {
  search: string;
  /** A provider id, or '' for any. */
  provider: string;
  free: boolean;
  edit: boolean;
  mask: boolean;
  /** Only models with a route whose provider is configured on this gateway. */
  available: boolean;
  sort: 'date' | 'name' | 'price';
}

export const DEFAULT_FILTERS: ModelFilters = {
  search: '',
  provider: '',
  free: false,
  edit: false,
  mask: false,
  available: false,
  sort: 'date',
};

export function isFree(model: CatalogModel): boolean {
  return model.price !== null && model.price.max === 0;
}

/** Every provider some model routes to, for the provider filter. */
export function providersOf(models: CatalogModel[]): string[] {
  return [...new Set(models.flatMap((model) => model.providers.map((route) => route.id)))].sort();
}

export function filterModels(models: CatalogModel[], filters: ModelFilters): CatalogModel[] {
  const words = filters.search.toLowerCase().split(/\s+/).filter(Boolean);
  const matches = (model: CatalogModel) => {
    const text = [model.id, model.name ?? '', model.description ?? '', ...model.aliases].join(' ').toLowerCase();
    return words.every((word) => text.includes(word));
  };
  const kept = models.filter(
    (model) =>
      matches(model) &&
      (filters.provider === '' || model.providers.some((route) => route.id === filters.provider)) &&
      (!filters.free || isFree(model)) &&
      (!filters.edit || model.capabilities.edit) &&
      (!filters.mask || model.capabilities.mask) &&
      (!filters.available || model.available),
  );
  return kept.sort(COMPARATORS[filters.sort]);
}

const byName = (a: CatalogModel, b: CatalogModel) => (a.name ?? a.id).localeCompare(b.name ?? b.id);

const COMPARATORS: Record<ModelFilters['sort'], (a: CatalogModel, b: CatalogModel) => number> = {
  // Newest first: ISO dates compare as text.
  date: (a, b) => b.release_date.localeCompare(a.release_date) || byName(a, b),
  name: byName,
  // Cheapest first; unpriced models (never routed) last.
  price: (a, b) => (a.price?.min ?? Infinity) - (b.price?.min ?? Infinity) || byName(a, b),
};

/** "$0.04", "$0.006–$0.77" per image: list prices, so no trailing zeros. */
export function priceText(price: { min: number; max: number } | null): string {
  if (price === null) return 'no price';
  if (price.max === 0) return 'free';
  return price.min === price.max ? perImage(price.min) : `${perImage(price.min)}–${perImage(price.max)}`;
}

function perImage(usd: number): string {
  if (usd === 0) return '$0';
  // Cents show as cents ($0.04, $0.10); below a cent up to six decimals ($0.0035).
  const text = usd.toFixed(usd >= 0.01 ? 4 : 6).replace(/0+$/, '');
  const [whole, decimals = ''] = text.split('.');
  return `$${whole}.${decimals.padEnd(2, '0')}`;
}
