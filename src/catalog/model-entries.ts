import type { LifecycleState, ModelLifecycle } from './model-lifecycle.js';
import type { Capabilities } from './model-schema.js';
import { modelInputs, type ModelInputs } from './model-inputs.js';
import { modelPriceRange } from './model-price.js';
import { microsToUsd } from '../domain/money.js';
import type { PriceRangeMicros, PricingMicros } from './pricing-micros.js';
import type { ResolvedModel, ResolvedRoute } from './resolved-model.js';

/** USD per image, as floats: the JSON face of `PriceRangeMicros`. */
export interface PriceRangeUsd {
  min: number;
  average: number;
  max: number;
}

/**
 * A route's price in the public service's vocabulary, so its clients keep working: `fixed` has
 * `value`; the others have `range` and are typed `calculated` (our size/quality table) or
 * `post_generation` (settled from usage or the upstream's bill). `basis` names our exact kind.
 */
export type PricingJson =
  | { type: 'fixed'; basis: 'fixed'; value: number }
  | { type: 'calculated'; basis: 'table'; range: PriceRangeUsd; rows: Array<{ size: string; quality: string; value: number }> }
  | {
      type: 'post_generation';
      basis: 'tokens';
      range: PriceRangeUsd;
      per_million_tokens: { input_text: number; input_image: number; output_image: number };
    }
  | { type: 'post_generation'; basis: 'upstream'; range: PriceRangeUsd }
  /** `usd_per_second` of measured GPU time; `range.max` is the hold per image. */
  | { type: 'post_generation'; basis: 'gpu_seconds'; range: PriceRangeUsd; usd_per_second: number };

/** One upstream serving the model. `pricing: null`: no price configured, so never used. */
export interface ProviderJson {
  id: string;
  model_name: string;
  pricing: PricingJson | null;
}

/** A `/v1/models` entry (the value under its id) and, with `id`, the `/v1/models/{id}` body. */
export interface ModelEntryV1 {
  name?: string;
  description?: string;
  providers: ProviderJson[];
  release_date: string;
  /** Present only when the model has a fixed list, as in the public service. */
  sizes?: string[];
  output: Array<'image' | 'video'>;
  supported_params: { mask: boolean; quality: boolean; edit: boolean };
  // Our additions.
  aliases: string[];
  /** Some route's provider is configured on this gateway. */
  available: boolean;
  /** Today's state from the catalog's dates: `deprecated` is served with a warning, `retired` answers 410. */
  status: LifecycleState;
  retired_message?: string;
  /** `YYYY-MM-DD` (UTC) or null. */
  deprecated_on: string | null;
  retires_on: string | null;
  successor: string | null;
  capabilities: Omit<Capabilities, 'sizes'> & { sizes: string[] | null };
}

/** A `/v2/models` item (the live docs' form) and the `/v2/models/{id}` body. */
export interface ModelEntryV2 {
  id: string;
  name: string;
  aliases: string[];
  release_date: string;
  inputs: ModelInputs;
  output: Array<'image' | 'video'>;
  /** `null` when no route has a price. */
  price: PriceRangeUsd | null;
  available: boolean;
  status: LifecycleState;
  deprecated_on: string | null;
  retires_on: string | null;
  successor: string | null;
}

export function toModelEntryV1(model: ResolvedModel, available: boolean, lifecycle: ModelLifecycle): ModelEntryV1 {
  const inputs = modelInputs(model);
  const { sizes, ...capabilities } = model.capabilities;
  return {
    ...(model.name === undefined ? {} : { name: model.name }),
    ...(model.description === undefined ? {} : { description: model.description }),
    providers: model.routes.map(toProviderJson),
    release_date: model.release_date,
    ...(sizes === undefined ? {} : { sizes: [...sizes] }),
    output: [...model.output],
    supported_params: { mask: inputs.mask, quality: inputs.quality, edit: inputs.image },
    aliases: [...model.aliases],
    available,
    status: lifecycle.state,
    ...(model.retired_message === undefined ? {} : { retired_message: model.retired_message }),
    ...lifecycleDates(lifecycle),
    capabilities: structuredClone({ ...capabilities, sizes: sizes ?? null }),
  };
}

export function toModelEntryV2(model: ResolvedModel, available: boolean, lifecycle: ModelLifecycle): ModelEntryV2 {
  const price = modelPriceRange(model);
  return {
    id: model.id,
    name: model.name ?? model.id,
    aliases: [...model.aliases],
    release_date: model.release_date,
    inputs: modelInputs(model),
    output: [...model.output],
    price: price === undefined ? null : rangeToUsd(price),
    available,
    status: lifecycle.state,
    ...lifecycleDates(lifecycle),
  };
}

function lifecycleDates(lifecycle: ModelLifecycle) {
  return { deprecated_on: lifecycle.deprecatedOn, retires_on: lifecycle.retiresOn, successor: lifecycle.successor };
}

export function rangeToUsd(range: PriceRangeMicros): PriceRangeUsd {
  return { min: microsToUsd(range.minMicros), average: microsToUsd(range.averageMicros), max: microsToUsd(range.maxMicros) };
}

function toProviderJson(route: ResolvedRoute): ProviderJson {
  return {
    id: route.provider,
    model_name: route.model,
    pricing: route.priced ? toPricingJson(route.pricingMicros, route.priceRangeMicros) : null,
  };
}

function toPricingJson(pricing: PricingMicros, range: PriceRangeMicros): PricingJson {
  switch (pricing.type) {
    case 'fixed':
      return { type: 'fixed', basis: 'fixed', value: microsToUsd(pricing.valueMicros) };
    case 'table':
      return {
        type: 'calculated',
        basis: 'table',
        range: rangeToUsd(range),
        rows: pricing.rows.map((row) => ({ size: row.size, quality: row.quality, value: microsToUsd(row.valueMicros) })),
      };
    case 'tokens':
      return {
        type: 'post_generation',
        basis: 'tokens',
        range: rangeToUsd(range),
        per_million_tokens: {
          input_text: microsToUsd(pricing.inputTextPerMillionMicros),
          input_image: microsToUsd(pricing.inputImagePerMillionMicros),
          output_image: microsToUsd(pricing.outputImagePerMillionMicros),
        },
      };
    case 'upstream':
      return { type: 'post_generation', basis: 'upstream', range: rangeToUsd(range) };
    case 'gpu_seconds':
      return {
        type: 'post_generation',
        basis: 'gpu_seconds',
        range: rangeToUsd(range),
        usd_per_second: microsToUsd(pricing.perKilosecondMicros) / 1000,
      };
  }
}
