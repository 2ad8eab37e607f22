import { describe, expect, it } from 'vitest';
import { popularModels } from '../../../src/catalog/list-models.js';
import { availability, fixtureCatalog } from './catalog-fixture.js';

const catalog = fixtureCatalog();
const ids = (counts: Parameters<typeof popularModels>[1], limit?: number): string[] =>
  popularModels(catalog, counts, availability, limit).map((entry) => entry.id);

describe('popularModels', () => {
  it('without usage: available first, then curated rank, then newest; self-test last; never retired', () => {
    expect(ids([])).toEqual(['vid/clip', 'acme/alpha', 'acme/beta', 'nop/unpriced', 'zeta/free', 'test/test']);
  });

  it('ranks by 7-day generations, counting aliases with their model, padding with the default order', () => {
    const counts = [
      { model: 'zeta/free', count: 3 },
      { model: 'alpha', count: 2 },
      { model: 'acme/alpha', count: 2 },
      { model: 'deleted/model', count: 99 },
      { model: 'old/gone', count: 50 },
    ];
    expect(ids(counts)).toEqual(['acme/alpha', 'zeta/free', 'vid/clip', 'acme/beta', 'nop/unpriced', 'test/test']);
  });

  it('moves the self-test model up once it is used', () => {
    expect(ids([{ model: 'test/test', count: 1 }], 2)).toEqual(['test/test', 'vid/clip']);
  });

  it('returns at most `limit` items (10 by default) in a documented shape', () => {
    expect(ids([], 3)).toHaveLength(3);
    expect(popularModels(catalog, [{ model: 'acme/beta', count: 7 }], availability, 1)).toEqual([
      {
        id: 'acme/beta',
        name: 'acme/beta',
        generations_7d: 7,
        release_date: '2025-06-01',
        output: ['image'],
        price: { min: 0.01, average: 0.02, max: 0.03 },
        available: false,
      },
    ]);
  });
});
