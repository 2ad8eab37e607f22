import { describe, expect, it } from 'vitest';
import { fitGptImage2Size, isGptImage2Size } from '../../../../src/providers/openai/gpt-image-2-size.js';

describe('gpt-image-2 sizes', () => {
  it('keeps sizes that follow the rules', () => {
    for (const size of [
      { width: 1024, height: 1024 },
      { width: 3840, height: 2160 },
      { width: 2160, height: 3840 },
      { width: 2880, height: 2880 },
      { width: 1536, height: 512 },
      { width: 1792, height: 1024 },
    ]) {
      expect(isGptImage2Size(size)).toBe(true);
      expect(fitGptImage2Size(size)).toBe(size);
    }
  });

  it.each([
    // too few pixels: scaled up, ratio kept
    [
      { width: 512, height: 512 },
      { width: 816, height: 816 },
    ],
    // edges not multiples of 16
    [
      { width: 1000, height: 1000 },
      { width: 1008, height: 1008 },
    ],
    // too many pixels and too long an edge: scaled down to the 3840 edge
    [
      { width: 4096, height: 2304 },
      { width: 3840, height: 2160 },
    ],
    // 4:1 is clamped to 3:1 by widening the short edge
    [
      { width: 2048, height: 512 },
      { width: 2048, height: 688 },
    ],
    [
      { width: 4096, height: 4096 },
      { width: 2880, height: 2880 },
    ],
  ])('fits %o to %o', (asked, expected) => {
    expect(fitGptImage2Size(asked)).toEqual(expected);
  });

  it('always returns a valid size close to the asked aspect ratio (3,000 random sizes)', () => {
    let state = 7;
    const next = (max: number) => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return 1 + (state % max);
    };
    for (let round = 0; round < 3000; round += 1) {
      const asked = { width: next(6000), height: next(6000) };
      const fitted = fitGptImage2Size(asked);
      expect(isGptImage2Size(fitted), `${asked.width}x${asked.height} → ${fitted.width}x${fitted.height}`).toBe(true);
      const askedRatio = Math.min(3, Math.max(1 / 3, asked.width / asked.height));
      const ratioError = Math.abs(Math.log(fitted.width / fitted.height) - Math.log(askedRatio));
      // Rounding to 16 px moves the ratio a little; the ratio clamp is already applied to `askedRatio`.
      expect(ratioError, `${asked.width}x${asked.height} → ${fitted.width}x${fitted.height}`).toBeLessThan(0.06);
    }
  });
});
