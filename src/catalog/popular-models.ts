import type { Catalog } from './catalog.js';
import { modelPriceRange } from './model-price.js';
import { rangeToUsd, type PriceRangeUsd } from './model-entries.js';
import type { ModelAvailability, ResolvedModel } from './resolved-model.js';

export const POPULAR_MODELS_LIMIT = 10;

/** Successful generations of one model over the last 7 days (the caller's query). */
export interface ModelUsageCount {
  /** Model id as recorded; aliases are resolved, unknown ids ignored. */
  model: string;
  count: number;
}

/** One item of `POST /operations/get-popular-models` (an array, most popular first). */
export interface PopularModelJson {
  id: string;
  name: string;
  /** Successful generations over the last 7 days; 0 for models listed by the default order. */
  generations_7d: number;
  release_date: string;
  output: Array<'image' | 'video'>;
  price: PriceRangeUsd | null;
  available: boolean;
}

/**
 * The most used models, padded with a default order while usage is thin, so a fresh install
 * still shows a useful list: available models first, then curated `popularity_rank`, then newest;
 * self-test models last. Retired models never appear (they cannot be used).
 */
export function popularModels(
  catalog: Catalog,
  counts: ReadonlyArray<ModelUsageCount>,
  availability: ModelAvailability,
  limit: number = POPULAR_MODELS_LIMIT,
): PopularModelJson[] {
  const usage = new Map<string, number>();
  for (const { model, count } of counts) {
    const id = catalog.resolvedId(model);
    // Aliased and canonical ids of one model were both recorded in older data: add them up.
    if (id !== undefined && count > 0) usage.set(id, (usage.get(id) ?? 0) + count);
  }
  const candidates = catalog.all().filter((model) => catalog.lifecycle(model).state !== 'retired');
  const available = new Map(candidates.map((model) => [model.id, availability(model)]));
  const order = new Map(candidates.map((model, index) => [model.id, index]));
  const ranked = [...candidates].sort(
    (a, b) =>
      (usage.get(b.id) ?? 0) - (usage.get(a.id) ?? 0) ||
      defaultOrder(a, b, (model) => available.get(model.id) === true) ||
      (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0),
  );
  return ranked.slice(0, limit).map((model) => toPopularJson(model, usage.get(model.id) ?? 0, available.get(model.id) === true));
}

/** The order of models with equal usage (most often: none yet). */
function defaultOrder(a: ResolvedModel, b: ResolvedModel, isAvailable: (model: ResolvedModel) => boolean): number {
  return (
    Number(a.self_test) - Number(b.self_test) ||
    Number(isAvailable(b)) - Number(isAvailable(a)) ||
    (a.popularity_rank ?? Number.MAX_SAFE_INTEGER) - (b.popularity_rank ?? Number.MAX_SAFE_INTEGER) ||
    b.release_date.localeCompare(a.release_date)
  );
}

function toPopularJson(model: ResolvedModel, generations: number, available: boolean): PopularModelJson {
  const price = modelPriceRange(model);
  return {
    id: model.id,
    name: model.name ?? model.id,
    generations_7d: generations,
    release_date: model.release_date,
    output: [...model.output],
    price: price === undefined ? null : rangeToUsd(price),
    available,
  };
}
