import { describe, expect, it } from 'vitest';
import { inputImageReserveMicros, inputImageTokens } from '../../../src/generation/input-image-reserve.js';
import type { PricingMicros } from '../../../src/catalog/pricing-micros.js';

const HIGH_FIDELITY = 6_144;
const tokens = (tiles: number) => 85 + 170 * tiles + HIGH_FIDELITY;

describe('inputImageTokens', () => {
  it('counts 512-px tiles after fitting in 2048x2048 and shortening the shortest side to 768', () => {
    expect(inputImageTokens({ width: 256, height: 256 })).toBe(tokens(1));
    expect(inputImageTokens({ width: 1024, height: 1024 })).toBe(tokens(4));
    // 4096x1024 → 2048x512 → 2048x512 (shortest side already under 768): 4 × 1 tiles.
    expect(inputImageTokens({ width: 4096, height: 1024 })).toBe(tokens(4));
    // 4000x3000 → 2048x1536 → 1024x768: 2 × 2 tiles.
    expect(inputImageTokens({ width: 4000, height: 3000 })).toBe(tokens(4));
    // 1536x1024 → 1152x768: 3 × 2 tiles.
    expect(inputImageTokens({ width: 1536, height: 1024 })).toBe(tokens(6));
  });
});

describe('inputImageReserveMicros', () => {
  const tokenPricing: PricingMicros = {
    type: 'tokens',
    inputTextPerMillionMicros: 5_000_000,
    inputImagePerMillionMicros: 8_000_000,
    outputImagePerMillionMicros: 32_000_000,
    outputTextPerMillionMicros: 0,
    estimateMicros: 250_000,
    minMicros: undefined,
    averageMicros: undefined,
  };
  const image = { width: 1024, height: 1024 };

  it('prices every image sent at the route’s input image rate, rounded up', () => {
    expect(inputImageReserveMicros(tokenPricing, [image, image])).toBe(Math.ceil((2 * tokens(4) * 8_000_000) / 1_000_000));
    expect(inputImageReserveMicros(tokenPricing, [])).toBe(0);
  });

  it('adds nothing where input images are not billed', () => {
    expect(inputImageReserveMicros({ type: 'fixed', valueMicros: 40_000 }, [image])).toBe(0);
    expect(inputImageReserveMicros({ type: 'upstream', estimateMicros: 1, minMicros: undefined, averageMicros: undefined }, [image])).toBe(
      0,
    );
    expect(inputImageReserveMicros({ ...tokenPricing, inputImagePerMillionMicros: 0 }, [image])).toBe(0);
  });
});
