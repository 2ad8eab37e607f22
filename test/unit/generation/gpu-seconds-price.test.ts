import { describe, expect, it } from 'vitest';
import { pricingSchema } from '../../../src/catalog/model-schema.js';
import { priceRangeMicros, pricingToMicros } from '../../../src/catalog/pricing-micros.js';
import { actualCostMicros, estimateImageMicros } from '../../../src/generation/quote-price.js';
import type { ProviderResult } from '../../../src/providers/provider.js';

const context = { size: 'auto' as const, quality: 'auto' };
const image = { base64: Buffer.from('') };
const result = (gpuSeconds: number | undefined, images = 1): ProviderResult => ({
  images: Array.from({ length: images }, () => image),
  warnings: [],
  ...(gpuSeconds === undefined ? {} : { gpuSeconds }),
});

describe('gpu_seconds pricing', () => {
  const pricing = pricingToMicros(pricingSchema.parse({ type: 'gpu_seconds', usd_per_second: 0.0004, max_seconds: 90 }));

  it('holds max_seconds at the rate per image, and lists that as the price', () => {
    expect(estimateImageMicros(pricing, context)).toBe(36_000);
    expect(priceRangeMicros(pricing)).toEqual({ minMicros: 36_000, averageMicros: 36_000, maxMicros: 36_000 });
  });

  it('charges the measured seconds in whole micro-USD, rounded up', () => {
    expect(actualCostMicros(pricing, context, result(12.5), 1)).toBe(5_000);
    // 1 ms at $0.0004/s is 0.4 micro-USD: one whole micro-USD is charged.
    expect(actualCostMicros(pricing, context, result(0.001), 1)).toBe(1);
    expect(actualCostMicros(pricing, context, result(0), 1)).toBe(0);
  });

  it('bills only the share of a batch the client gets, and the hold when nothing was measured', () => {
    expect(actualCostMicros(pricing, context, result(10, 4), 2)).toBe(2_000);
    expect(actualCostMicros(pricing, context, result(undefined, 2), 2)).toBe(72_000);
  });

  it('keeps rates below a micro-USD per second exact', () => {
    const cheap = pricingToMicros(pricingSchema.parse({ type: 'gpu_seconds', usd_per_second: 0.0000005, max_seconds: 10 }));
    expect(actualCostMicros(cheap, context, result(1000), 1)).toBe(500);
    expect(estimateImageMicros(cheap, context)).toBe(5);
  });

  it('refuses a missing or non-positive max_seconds', () => {
    expect(pricingSchema.safeParse({ type: 'gpu_seconds', usd_per_second: 0.001 }).success).toBe(false);
    expect(pricingSchema.safeParse({ type: 'gpu_seconds', usd_per_second: 0.001, max_seconds: 0 }).success).toBe(false);
  });
});
