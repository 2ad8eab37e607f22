import { describe, expect, it } from 'vitest';
import { integerParam, numberParam } from '../../../../src/providers/common/numeric-params.js';
import { thrownApiError } from '../../../helpers/caught-error.js';

describe('integerParam', () => {
  it('takes whole numbers within the bounds, both ends included', () => {
    expect(integerParam('steps', 1, 1, 150)).toBe(1);
    expect(integerParam('steps', 150, 1, 150)).toBe(150);
  });

  it('refuses fractions, strings and values out of range with a 400 naming the parameter and the value', () => {
    for (const value of [0, 151, 2.5, '20', null, Number.NaN]) {
      const error = thrownApiError(() => integerParam('steps', value, 1, 150));
      expect(error.status).toBe(400);
      expect(error.param).toBe('steps');
      expect(error.message).toBe(`'steps' must be an integer from 1 to 150, got ${JSON.stringify(value)}.`);
    }
  });
});

describe('numberParam', () => {
  it('takes fractions within the bounds', () => {
    expect(numberParam('guidance_scale', 7.5, 0, 30)).toBe(7.5);
    expect(numberParam('guidance_scale', 0, 0, 30)).toBe(0);
  });

  it('refuses infinities, strings and values out of range', () => {
    for (const value of [30.01, -1, Number.POSITIVE_INFINITY, '7']) {
      const error = thrownApiError(() => numberParam('guidance_scale', value, 0, 30));
      expect(error.status).toBe(400);
      expect(error.param).toBe('guidance_scale');
      expect(error.message).toBe(`'guidance_scale' must be a number from 0 to 30, got ${JSON.stringify(value)}.`);
    }
  });
});
