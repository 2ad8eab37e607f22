import { usdToMicros } from '../domain/money.js';
import type { Pricing } from './model-schema.js';

/** A route's pricing in integer micro-USD; the same kinds as `Pricing`, every amount converted. */
export type PricingMicros =
  | { type: 'fixed'; valueMicros: number }
  | { type: 'table'; rows: Array<{ size: string; quality: string; valueMicros: number }> }
  | {
      type: 'tokens';
      inputTextPerMillionMicros: number;
      inputImagePerMillionMicros: number;
      outputImagePerMillionMicros: number;
      outputTextPerMillionMicros: number;
      /** Reserved before the call, per image. */
      estimateMicros: number;
      /** Listing hints: what an image usually costs at least / on average. */
      minMicros: number | undefined;
      averageMicros: number | undefined;
    }
  | {
      type: 'upstream';
      estimateMicros: number;
      minMicros: number | undefined;
      averageMicros: number | undefined;
    }
  | {
      type: 'gpu_seconds';
      /**
       * The rate in micro-USD per 1000 seconds (per millisecond, in thousandths of a micro-USD), so
       * that rates below a micro-USD per second stay exact integers.
       */
      perKilosecondMicros: number;
      /** Reserved before the call, per image: `max_seconds` at the rate, rounded up. */
      estimateMicros: number;
    };

/** What one image costs on a route: exact for `fixed`, bounds for the other kinds. */
export interface PriceRangeMicros {
  minMicros: number;
  averageMicros: number;
  maxMicros: number;
}

export function pricingToMicros(pricing: Pricing): PricingMicros {
  switch (pricing.type) {
    case 'fixed':
      return { type: 'fixed', valueMicros: usdToMicros(pricing.value) };
    case 'table':
      return {
        type: 'table',
        rows: pricing.rows.map((row) => ({ size: row.size, quality: row.quality, valueMicros: usdToMicros(row.value) })),
      };
    case 'tokens':
      return {
        type: 'tokens',
        inputTextPerMillionMicros: usdToMicros(pricing.input_text_per_million),
        inputImagePerMillionMicros: usdToMicros(pricing.input_image_per_million),
        outputImagePerMillionMicros: usdToMicros(pricing.output_image_per_million),
        outputTextPerMillionMicros: usdToMicros(pricing.output_text_per_million),
        estimateMicros: usdToMicros(pricing.estimate),
        minMicros: optionalMicros(pricing.min),
        averageMicros: optionalMicros(pricing.average),
      };
    case 'upstream':
      return {
        type: 'upstream',
        estimateMicros: usdToMicros(pricing.estimate),
        minMicros: optionalMicros(pricing.min),
        averageMicros: optionalMicros(pricing.average),
      };
    case 'gpu_seconds': {
      const perKilosecondMicros = usdToMicros(pricing.usd_per_second * 1000);
      return {
        type: 'gpu_seconds',
        perKilosecondMicros,
        estimateMicros: gpuMillisecondsMicros(Math.ceil(pricing.max_seconds * 1000), perKilosecondMicros),
      };
    }
  }
}

/** What `milliseconds` of GPU time cost at a rate per 1000 seconds, rounded up to a whole micro-USD. */
export function gpuMillisecondsMicros(milliseconds: number, perKilosecondMicros: number): number {
  return Math.ceil((milliseconds * perKilosecondMicros) / 1_000_000);
}

function optionalMicros(usd: number | undefined): number | undefined {
  return usd === undefined ? undefined : usdToMicros(usd);
}

/**
 * Per-image bounds used by listings, price sorting and the `free` filter. Usage-based kinds fall
 * back to their estimate (the worst case) where no hint is given: a listing may overstate a price,
 * never understate it.
 */
export function priceRangeMicros(pricing: PricingMicros): PriceRangeMicros {
  switch (pricing.type) {
    case 'fixed':
      return { minMicros: pricing.valueMicros, averageMicros: pricing.valueMicros, maxMicros: pricing.valueMicros };
    case 'table': {
      const values = pricing.rows.map((row) => row.valueMicros);
      const total = values.reduce((sum, value) => sum + value, 0);
      return {
        minMicros: Math.min(...values),
        averageMicros: Math.round(total / values.length),
        maxMicros: Math.max(...values),
      };
    }
    case 'tokens':
    case 'upstream':
      return {
        minMicros: pricing.minMicros ?? pricing.averageMicros ?? pricing.estimateMicros,
        averageMicros: pricing.averageMicros ?? pricing.estimateMicros,
        maxMicros: pricing.estimateMicros,
      };
    case 'gpu_seconds':
      // No hints: the hold stands for all three (overstated rather than understated, as above).
      return { minMicros: pricing.estimateMicros, averageMicros: pricing.estimateMicros, maxMicros: pricing.estimateMicros };
  }
}
