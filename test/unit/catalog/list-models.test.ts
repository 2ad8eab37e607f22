import { describe, expect, it } from 'vitest';
import { getModelV1, getModelV2, listModelsOpenAI, listModelsV1, listModelsV2 } from '../../../src/catalog/list-models.js';
import { ApiError } from '../../../src/errors/api-error.js';
import { availability, fixtureCatalog, thrownBy } from './catalog-fixture.js';

const catalog = fixtureCatalog();
const v1Ids = (query: Record<string, unknown>): string[] => Object.keys(listModelsV1(catalog, query, availability));
const v2Ids = (query: Record<string, unknown>): string[] => listModelsV2(catalog, query, availability).map((entry) => entry.id);

function badQuery(action: () => unknown): ApiError {
  const error = thrownBy(action);
  expect(error).toBeInstanceOf(ApiError);
  expect(error).toMatchObject({ status: 400, type: 'invalid_request_error' });
  return error as ApiError;
}

describe('listModelsV1', () => {
  it("gives the public service's entry shape plus our additions", () => {
    expect(listModelsV1(catalog, { name: 'test/test' }, availability)).toEqual({
      'test/test': {
        name: 'Test model',
        description: expect.any(String),
        providers: [{ id: 'test', model_name: 'test/test', pricing: { type: 'fixed', basis: 'fixed', value: 0 } }],
        release_date: '2025-05-04',
        output: ['image'],
        supported_params: { mask: true, quality: true, edit: true },
        aliases: [],
        available: true,
        status: 'active',
        deprecated_on: null,
        retires_on: null,
        successor: null,
        capabilities: {
          edit: true,
          mask: true,
          max_input_images: 16,
          sizes: null,
          size_range: { min: 64, max: 4096 },
          qualities: ['auto', 'low', 'medium', 'high'],
          max_n: 10,
          parameters: [],
          output_formats: ['png', 'jpeg', 'webp'],
        },
      },
    });
  });

  it('shows sizes, ranges and unpriced routes honestly', () => {
    const body = listModelsV1(catalog, {}, availability);
    expect(body['acme/alpha']).toMatchObject({ sizes: ['auto', '1024x1024'], available: true, aliases: ['alpha', 'acme/alpha-latest'] });
    expect(body['acme/beta']?.providers[0]?.pricing).toEqual({
      type: 'calculated',
      basis: 'table',
      range: { min: 0.01, average: 0.02, max: 0.03 },
      rows: [
        { size: '1024x1024', quality: '*', value: 0.01 },
        { size: '*', quality: '*', value: 0.03 },
      ],
    });
    expect(body['acme/beta']?.available).toBe(false);
    expect(body['vid/clip']?.providers[0]?.pricing).toEqual({
      type: 'post_generation',
      basis: 'upstream',
      range: { min: 0.2, average: 0.5, max: 0.5 },
    });
    expect(body['nop/unpriced']?.providers[0]?.pricing).toBeNull();
  });

  it('leaves retired models out unless include_retired=true', () => {
    expect(v1Ids({})).not.toContain('old/gone');
    expect(listModelsV1(catalog, { include_retired: 'true' }, availability)['old/gone']).toMatchObject({
      status: 'retired',
      retired_message: "old/gone was replaced by 'acme/alpha'.",
    });
  });

  it('filters by output type', () => {
    expect(v1Ids({ type: 'video' })).toEqual(['vid/clip']);
    expect(v1Ids({ type: 'image' })).not.toContain('vid/clip');
  });

  it('filters by provider: author prefix or route provider, case-insensitive substring', () => {
    expect(v1Ids({ provider: 'ACME' })).toEqual(['acme/alpha', 'acme/beta']);
    expect(v1Ids({ provider: 'runw' })).toEqual(['acme/beta', 'zeta/free']);
    expect(v1Ids({ provider: 'fal' })).toEqual(['acme/alpha', 'vid/clip']);
  });

  it('filters free and paid models', () => {
    expect(v1Ids({ free: 'true' })).toEqual(['zeta/free', 'test/test']);
    expect(v1Ids({ free: 'false' })).toEqual(['acme/alpha', 'acme/beta', 'vid/clip', 'nop/unpriced']);
  });

  it('filters by name: id, alias or display name', () => {
    expect(v1Ids({ name: 'LATEST' })).toEqual(['acme/alpha']);
    expect(v1Ids({ name: 'test model' })).toEqual(['test/test']);
    expect(v1Ids({ name: 'zeta' })).toEqual(['zeta/free']);
  });

  it('sorts by name, provider, price (ranges included, unpriced last) and date', () => {
    expect(v1Ids({ sort: 'name' })).toEqual(['acme/alpha', 'acme/beta', 'nop/unpriced', 'test/test', 'vid/clip', 'zeta/free']);
    expect(v1Ids({ sort: 'provider', provider: 'e' })).toEqual(['acme/alpha', 'acme/beta', 'nop/unpriced', 'test/test', 'zeta/free']);
    expect(v1Ids({ sort: 'price' })).toEqual(['zeta/free', 'test/test', 'acme/beta', 'acme/alpha', 'vid/clip', 'nop/unpriced']);
    expect(v1Ids({ sort: 'date' })).toEqual(['acme/beta', 'test/test', 'vid/clip', 'nop/unpriced', 'acme/alpha', 'zeta/free']);
  });

  it('limits after sorting', () => {
    expect(v1Ids({ sort: 'date', limit: '2' })).toEqual(['acme/beta', 'test/test']);
    expect(v1Ids({ limit: '1000' })).toHaveLength(6);
  });

  it('refuses a bad limit, sort, type or free with a 400 naming the parameter', () => {
    expect(badQuery(() => listModelsV1(catalog, { limit: 'abc' }, availability))).toMatchObject({
      param: 'limit',
      message: "'limit' must be a positive integer (got 'abc')",
    });
    expect(badQuery(() => listModelsV1(catalog, { limit: '0' }, availability)).param).toBe('limit');
    expect(badQuery(() => listModelsV1(catalog, { limit: '1.5' }, availability)).param).toBe('limit');
    expect(badQuery(() => listModelsV1(catalog, { limit: ['1', '2'] }, availability)).message).toBe("'limit' must be given once");
    expect(badQuery(() => listModelsV1(catalog, { sort: 'popularity' }, availability))).toMatchObject({
      param: 'sort',
      message: "'sort' must be one of: name, provider, price, date (got 'popularity')",
    });
    expect(badQuery(() => listModelsV1(catalog, { type: 'audio' }, availability)).param).toBe('type');
    expect(badQuery(() => listModelsV1(catalog, { free: 'yes' }, availability)).param).toBe('free');
  });

  it('ignores unknown parameters', () => {
    expect(v1Ids({ _: '123' })).toHaveLength(6);
  });
});

describe('getModelV1', () => {
  it('returns the list entry plus id, resolving aliases', () => {
    const entry = getModelV1(catalog, 'alpha', availability);
    expect(entry).toEqual({ id: 'acme/alpha', ...listModelsV1(catalog, {}, availability)['acme/alpha'] });
  });

  it('answers an unknown id with 404 model_not_found', () => {
    expect(thrownBy(() => getModelV1(catalog, 'nope/x', availability))).toMatchObject({
      status: 404,
      code: 'model_not_found',
      param: 'model',
    });
  });
});

describe('listModelsV2', () => {
  it("gives the live docs' array form", () => {
    expect(listModelsV2(catalog, { name: 'alpha' }, availability)).toEqual([
      {
        id: 'acme/alpha',
        name: 'Alpha',
        aliases: ['alpha', 'acme/alpha-latest'],
        release_date: '2025-01-10',
        inputs: { image: true, mask: false, quality: true, size: ['auto', '1024x1024'] },
        output: ['image'],
        price: { min: 0.04, average: 0.04, max: 0.04 },
        available: true,
        status: 'active',
        deprecated_on: null,
        retires_on: null,
        successor: null,
      },
    ]);
    expect(getModelV2(catalog, 'test/test', availability).inputs.size).toEqual(['custom']);
    expect(getModelV2(catalog, 'nop/unpriced', availability).price).toBeNull();
  });

  it('filters by outputType (or type) and by inputType', () => {
    expect(v2Ids({ outputType: 'video' })).toEqual(['vid/clip']);
    expect(v2Ids({ type: 'video' })).toEqual(['vid/clip']);
    expect(v2Ids({ inputType: 'image' })).toEqual(['acme/alpha', 'test/test']);
    expect(v2Ids({ inputType: 'image,mask' })).toEqual(['test/test']);
    expect(v2Ids({ inputType: 'size' })).not.toContain('zeta/free');
    expect(badQuery(() => listModelsV2(catalog, { inputType: 'seconds' }, availability)).param).toBe('inputType');
    expect(badQuery(() => listModelsV2(catalog, { outputType: 'image', type: 'video' }, availability)).param).toBe('outputType');
  });

  it('keeps only the asked fields, and always id', () => {
    expect(listModelsV2(catalog, { fields: 'name,aliases', provider: 'acme' }, availability)).toEqual([
      { id: 'acme/alpha', name: 'Alpha', aliases: ['alpha', 'acme/alpha-latest'] },
      { id: 'acme/beta', name: 'acme/beta', aliases: [] },
    ]);
    expect(badQuery(() => listModelsV2(catalog, { fields: 'name,cost' }, availability))).toMatchObject({
      param: 'fields',
      message: expect.stringContaining('unknown: cost'),
    });
  });

  it('shares filters, sort and limit with v1', () => {
    expect(v2Ids({ free: 'true', sort: 'name', limit: '1' })).toEqual(['test/test']);
    expect(badQuery(() => listModelsV2(catalog, { limit: 'abc' }, availability)).param).toBe('limit');
  });
});

describe('listModelsOpenAI', () => {
  it('lists the active, available models in OpenAI form', () => {
    expect(listModelsOpenAI(catalog, availability)).toEqual({
      object: 'list',
      data: [
        { id: 'acme/alpha', object: 'model', created: Date.UTC(2025, 0, 10) / 1000, owned_by: 'acme' },
        { id: 'vid/clip', object: 'model', created: Date.UTC(2025, 2, 3) / 1000, owned_by: 'vid' },
        { id: 'test/test', object: 'model', created: Date.UTC(2025, 4, 4) / 1000, owned_by: 'test' },
      ],
    });
  });
});
