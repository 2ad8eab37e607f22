import { describe, expect, it } from 'vitest';
import { formatUsd } from '../../../src/domain/money.js';

describe('formatUsd', () => {
  it.each([
    [25_500_000, 4, '25.5000'],
    [4_500_000, 4, '4.5000'],
    [0, 4, '0.0000'],
    [1, 6, '0.000001'],
    [1, 4, '0.0000'],
    [50, 4, '0.0001'], // half rounds away from zero
    [49, 4, '0.0000'],
    [1_234_550, 4, '1.2346'],
    [-1_234_550, 4, '-1.2346'],
    [-40, 4, '0.0000'], // never "-0.0000"
    [999_999_950, 4, '1000.0000'], // carry into the whole part
    [123_456_789, 0, '123'],
    [123_500_000, 0, '124'],
    [1_000_000, 8, '1.00000000'],
    [Number.MAX_SAFE_INTEGER, 2, '9007199254.74'],
  ])('formatUsd(%i, %i) = %s', (micros, decimals, expected) => {
    expect(formatUsd(micros, decimals)).toBe(expected);
  });

  it('agrees with decimal rounding where toFixed on floats does not', () => {
    // 2.00005 USD: (2.00005).toFixed(4) gives "2.0000" because the float is slightly below.
    expect((2.00005).toFixed(4)).toBe('2.0000');
    expect(formatUsd(2_000_050, 4)).toBe('2.0001');
  });

  it('rejects non-integer micro-USD and bad decimals', () => {
    expect(() => formatUsd(1.5, 4)).toThrow(RangeError);
    expect(() => formatUsd(1, -1)).toThrow(RangeError);
    expect(() => formatUsd(1, 2.5)).toThrow(RangeError);
  });
});
