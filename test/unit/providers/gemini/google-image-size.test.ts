import { describe, expect, it } from 'vitest';
import { chooseGoogleImageSize, type GoogleSizeProfile } from '../../../../src/providers/gemini/google-image-size.js';

const square: GoogleSizeProfile = {
  aspectRatios: ['1:1', '2:1', '1:2'],
  tiers: ['4K', '1K', '2K'],
  outputSize: (ratio, tier) => (ratio === '1:1' && tier === '1K' ? { width: 1024, height: 1024 } : undefined),
};

describe('chooseGoogleImageSize', () => {
  it('picks the ratio by log distance, so portrait and landscape are treated alike', () => {
    expect(chooseGoogleImageSize({ width: 1500, height: 1000 }, square).aspectRatio).toBe('2:1');
    expect(chooseGoogleImageSize({ width: 1000, height: 1500 }, square).aspectRatio).toBe('1:2');
    expect(chooseGoogleImageSize({ width: 1100, height: 1000 }, square).aspectRatio).toBe('1:1');
  });

  it('picks the tier nearest in area whatever the order the route lists them in', () => {
    expect(chooseGoogleImageSize({ width: 1000, height: 1000 }, square).tier).toBe('1K');
    expect(chooseGoogleImageSize({ width: 3000, height: 3000 }, square).tier).toBe('4K');
    expect(chooseGoogleImageSize({ width: 64, height: 64 }, square).tier).toBe('1K');
  });

  it('is exact only when the request is the documented output size', () => {
    expect(chooseGoogleImageSize({ width: 1024, height: 1024 }, square)).toEqual({
      aspectRatio: '1:1',
      tier: '1K',
      outputSize: { width: 1024, height: 1024 },
      exact: true,
    });
    expect(chooseGoogleImageSize({ width: 1000, height: 1000 }, square).exact).toBe(false);
  });

  it('has no tier for models that take none', () => {
    expect(chooseGoogleImageSize({ width: 4096, height: 4096 }, { ...square, tiers: [] }).tier).toBeUndefined();
  });
});
