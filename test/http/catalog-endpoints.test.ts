import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpResult, expectApiError, getJson, postJson, postRaw, writeOperatorConfig } from '../helpers/gateway-client.js';
import { type TestGateway, startTestGateway } from '../helpers/test-gateway.js';

/** The public catalog endpoints over real HTTP, on the built-in catalog plus three operator models. */

/**
 * - testlab/gemini-fixture: routed to a provider this gateway does not have (listed, unavailable).
 * - testlab/painter: served by the test provider at $0.002 (available).
 * - testlab/retired-fixture: retired (hidden unless asked for).
 */
const OPERATOR_MODELS = `
models:
  "testlab/gemini-fixture":
    name: Gemini lookalike
    aliases: [gemini-fixture-alias]
    release_date: "2026-01-15"
    output: [image]
    capabilities: { edit: true, max_input_images: 3, qualities: [auto, high], sizes: ["1024x1024", "1536x1024"] }
    pricing: { type: fixed, value: 0.04 }
    routes:
      - { provider: not-configured-here, model: gemini-upstream }
  "testlab/painter":
    name: Painter
    release_date: "2024-06-01"
    output: [image]
    pricing: { type: fixed, value: 0.002 }
    routes:
      - { provider: test, model: test/test }
  "testlab/retired-fixture":
    release_date: "2023-01-01"
    output: [image]
    status: retired
    retired_message: "Use testlab/painter instead."
    pricing: { type: fixed, value: 0.02 }
    routes:
      - { provider: test, model: test/test }
`;

let configDir: string;
let gateway: TestGateway;

beforeAll(async () => {
  configDir = await mkdtemp(path.join(os.tmpdir(), 'imagerouter-catalog-endpoints-'));
  gateway = await startTestGateway({ IMAGEROUTER_CONFIG: await writeOperatorConfig(configDir, OPERATOR_MODELS) });
});

afterAll(async () => {
  await gateway?.close();
  if (configDir) await rm(configDir, { recursive: true, force: true });
});

/** The catalog endpoints need no key, as in the public service. */
const get = (pathAndQuery: string) => getJson(gateway.url, pathAndQuery, { key: null });

function expectJsonOk(result: HttpResult): void {
  expect(result.status, result.text.slice(0, 500)).toBe(200);
  expect(result.headers.get('content-type')).toMatch(/^application\/json/);
}

describe('GET /v1/models', () => {
  it('is an object keyed by model id, with the public fields', async () => {
    const result = await get('/v1/models');
    expectJsonOk(result);
    expect(Array.isArray(result.body)).toBe(false);
    expect(Object.keys(result.body)).toEqual(expect.arrayContaining(['test/test', 'testlab/gemini-fixture', 'testlab/painter']));
    expect(result.body['test/test']).toMatchObject({
      providers: [{ id: 'test', model_name: 'test/test', pricing: { type: 'fixed', value: 0 } }],
      release_date: '2025-05-04',
      output: ['image'],
      supported_params: { mask: true, quality: true, edit: true },
      available: true,
      status: 'active',
    });
    expect(result.body['test/test']).not.toHaveProperty('id');
    expect(result.body['testlab/gemini-fixture']).toMatchObject({
      sizes: ['1024x1024', '1536x1024'],
      supported_params: { mask: false, quality: true, edit: true },
      available: false,
      aliases: ['gemini-fixture-alias'],
    });
  });

  it('leaves retired models out unless include_retired=true', async () => {
    expect(Object.keys((await get('/v1/models')).body)).not.toContain('testlab/retired-fixture');
    const withRetired = await get('/v1/models?include_retired=true');
    expect(withRetired.body['testlab/retired-fixture']).toMatchObject({
      status: 'retired',
      retired_message: 'Use testlab/painter instead.',
    });
  });

  it('type=image keeps image models, type=video none of these', async () => {
    const images = await get('/v1/models?type=image');
    expectJsonOk(images);
    for (const entry of Object.values(images.body) as Array<{ output: string[] }>) expect(entry.output).toContain('image');
    expect(Object.keys(images.body)).toContain('test/test');
    const videos = await get('/v1/models?type=video');
    expectJsonOk(videos);
    expect(Object.keys(videos.body)).not.toContain('test/test');
  });

  it('name= is a case-insensitive substring of the id, aliases or name', async () => {
    const result = await get('/v1/models?type=image&sort=date&name=GEMINI');
    expectJsonOk(result);
    expect(Object.keys(result.body)).toContain('testlab/gemini-fixture');
    expect(Object.keys(result.body)).not.toContain('test/test');
    for (const [id, entry] of Object.entries(result.body) as Array<[string, { name?: string; aliases: string[] }]>) {
      expect([id, entry.name ?? '', ...entry.aliases].join(' ').toLowerCase()).toContain('gemini');
    }
    expect(Object.keys((await get('/v1/models?name=lookalike')).body)).toEqual(['testlab/gemini-fixture']);
  });

  it('sort=date is newest first, sort=price cheapest first, sort=name by id', async () => {
    const byDate = (await get('/v1/models?sort=date')).body as Record<string, { release_date: string }>;
    const dates = Object.values(byDate).map((entry) => entry.release_date);
    expect(dates).toEqual([...dates].sort().reverse());
    const ours = (ids: string[]) => ids.filter((id) => id === 'test/test' || id.startsWith('testlab/'));
    expect(ours(Object.keys(byDate))).toEqual(['testlab/gemini-fixture', 'test/test', 'testlab/painter']);
    expect(ours(Object.keys((await get('/v1/models?sort=price')).body))).toEqual([
      'test/test',
      'testlab/painter',
      'testlab/gemini-fixture',
    ]);
    const byName = Object.keys((await get('/v1/models?sort=name')).body);
    expect(byName).toEqual([...byName].sort((a, b) => a.localeCompare(b, 'en')));
  });

  it('limit= caps the list after sorting', async () => {
    const all = Object.keys((await get('/v1/models?type=image&sort=date&limit=1000')).body);
    expect(all).toContain('test/test');
    const first = await get('/v1/models?type=image&sort=date&limit=1');
    expectJsonOk(first);
    expect(Object.keys(first.body)).toEqual(all.slice(0, 1));
  });

  it('free=true keeps models some route serves at $0; provider= matches the author or a route', async () => {
    const free = Object.keys((await get('/v1/models?free=true')).body);
    expect(free).toContain('test/test');
    expect(free).not.toContain('testlab/painter');
    expect(Object.keys((await get('/v1/models?free=false')).body)).toContain('testlab/painter');
    expect(Object.keys((await get('/v1/models?provider=TESTLAB')).body).sort()).toEqual(['testlab/gemini-fixture', 'testlab/painter']);
    expect(Object.keys((await get('/v1/models?provider=not-configured')).body)).toEqual(['testlab/gemini-fixture']);
  });

  it.each([
    ['limit=abc', 'limit'],
    ['limit=0', 'limit'],
    ['limit=-5', 'limit'],
    ['limit=1&limit=2', 'limit'],
    ['sort=popularity', 'sort'],
    ['type=audio', 'type'],
    ['free=yes', 'free'],
  ])('a bad query (%s) → 400 naming %s', async (query, param) => {
    expectApiError(await get(`/v1/models?${query}`), { status: 400, param, mentions: param });
  });
});

describe('GET /v1/models/{id}', () => {
  it('serves the entry with its id, whether the slash is sent raw or encoded', async () => {
    const raw = await get('/v1/models/test/test');
    const encoded = await get('/v1/models/test%2Ftest');
    expectJsonOk(raw);
    expectJsonOk(encoded);
    expect(raw.body).toMatchObject({ id: 'test/test', output: ['image'], supported_params: { mask: true, quality: true, edit: true } });
    expect(encoded.body).toEqual(raw.body);
    const list = (await get('/v1/models')).body;
    expect(raw.body).toEqual({ id: 'test/test', ...list['test/test'] });
  });

  it('resolves aliases to the canonical id', async () => {
    const result = await get('/v1/models/gemini-fixture-alias');
    expectJsonOk(result);
    expect(result.body.id).toBe('testlab/gemini-fixture');
  });

  it('an unknown id → 404 naming model', async () => {
    expectApiError(await get('/v1/models/nobody/nothing'), {
      status: 404,
      param: 'model',
      code: 'model_not_found',
      mentions: 'nobody/nothing',
    });
  });
});

describe('GET /v2/models', () => {
  it('is an array of items with id, inputs, output and price', async () => {
    const result = await get('/v2/models');
    expectJsonOk(result);
    expect(Array.isArray(result.body)).toBe(true);
    const testModel = (result.body as Array<{ id: string }>).find((item) => item.id === 'test/test');
    expect(testModel).toMatchObject({
      id: 'test/test',
      release_date: '2025-05-04',
      inputs: { image: true, mask: true, quality: true, size: ['custom'] },
      output: ['image'],
      price: { min: 0, average: 0, max: 0 },
      available: true,
    });
    const gemini = (result.body as Array<{ id: string }>).find((item) => item.id === 'testlab/gemini-fixture');
    expect(gemini).toMatchObject({
      inputs: { image: true, mask: false, size: ['1024x1024', '1536x1024'] },
      price: { min: 0.04, max: 0.04 },
    });
  });

  it('fields= returns only the id and those fields', async () => {
    const result = await get('/v2/models?fields=name,aliases&name=gemini-fixture');
    expectJsonOk(result);
    expect(result.body).toEqual([{ id: 'testlab/gemini-fixture', name: 'Gemini lookalike', aliases: ['gemini-fixture-alias'] }]);
    expectApiError(await get('/v2/models?fields=name,colour'), { status: 400, param: 'fields', mentions: 'colour' });
  });

  it('inputType= keeps models accepting every listed input', async () => {
    const ids = (await get('/v2/models?inputType=image,mask')).body.map((item: { id: string }) => item.id);
    expect(ids).toContain('test/test');
    expect(ids).not.toContain('testlab/gemini-fixture');
  });

  it('GET /v2/models/{id} is one item', async () => {
    const result = await get('/v2/models/test%2Ftest');
    expectJsonOk(result);
    expect(result.body).toMatchObject({ id: 'test/test', inputs: { image: true } });
  });
});

describe('GET /v1/openai/models', () => {
  it("is OpenAI's list form with the models a client can call now", async () => {
    const result = await get('/v1/openai/models');
    expectJsonOk(result);
    expect(result.body.object).toBe('list');
    const ids = (result.body.data as Array<{ id: string }>).map((item) => item.id);
    expect(ids).toEqual(expect.arrayContaining(['test/test', 'testlab/painter']));
    expect(ids).not.toContain('testlab/gemini-fixture');
    expect(ids).not.toContain('testlab/retired-fixture');
    const testModel = result.body.data.find((item: { id: string }) => item.id === 'test/test');
    expect(testModel).toEqual({ id: 'test/test', object: 'model', created: Date.parse('2025-05-04T00:00:00Z') / 1000, owned_by: 'test' });
  });

  it('GET /v1/openai/models/{id} is one item of that list; models it leaves out are 404', async () => {
    const list = (await get('/v1/openai/models')).body.data as Array<{ id: string }>;
    const one = await get('/v1/openai/models/test%2Ftest');
    expectJsonOk(one);
    expect(one.body).toEqual(list.find((item) => item.id === 'test/test'));
    expect((await get('/v1/openai/models/test/test')).body).toEqual(one.body);
    for (const id of ['testlab%2Fgemini-fixture', 'testlab%2Fretired-fixture', 'nobody%2Fnothing']) {
      expectApiError(await get(`/v1/openai/models/${id}`), { status: 404, param: 'model', code: 'model_not_found' });
    }
  });
});

describe('POST /operations/get-popular-models', () => {
  interface PopularItem {
    id: string;
    generations_7d: number;
    available: boolean;
  }
  const popular = async () => {
    const result = await postRaw(gateway.url, '/operations/get-popular-models', undefined, { key: null });
    expectJsonOk(result);
    return result.body as PopularItem[];
  };

  it('lists at most 10 models and counts test/test once it has generated', async () => {
    const before = await popular();
    expect(Array.isArray(before)).toBe(true);
    expect(before.length).toBeGreaterThan(0);
    expect(before.length).toBeLessThanOrEqual(10);
    expect(before.find((item) => item.id === 'test/test')?.generations_7d ?? 0).toBe(0);
    expect(before.map((item) => item.id)).not.toContain('testlab/retired-fixture');

    for (const prompt of ['one', 'two']) {
      const generated = await postJson(
        gateway.url,
        '/v1/openai/images/generations',
        { model: 'test/test', prompt, size: '64x64' },
        { key: gateway.key },
      );
      expect(generated.status, generated.text).toBe(200);
    }
    const failed = await postJson(
      gateway.url,
      '/v1/openai/images/generations',
      { model: 'test/test', prompt: '[[fail:503]]' },
      { key: gateway.key },
    );
    expect(failed.status).toBe(503);

    const after = await popular();
    // Most used first; failures don't count.
    expect(after[0]).toMatchObject({ id: 'test/test', generations_7d: 2, available: true });
    expect(after.length).toBeLessThanOrEqual(10);
    const viaGet = await getJson(gateway.url, '/operations/get-popular-models');
    expect(viaGet.body).toEqual(after);
  });
});
