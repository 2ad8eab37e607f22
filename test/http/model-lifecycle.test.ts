import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogError } from '../../src/catalog/catalog-error.js';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const DAY = 86_400_000;

/**
 * A model's lifecycle is data: with the catalog's clock fixed, the same entry is active, then
 * deprecated (served, with a warning and Deprecation/Sunset headers), then 410 at its dates,
 * with no edit in between.
 */
describe('model lifecycle by date', () => {
  let gateway: TestGateway;
  let configDir: string;
  let configFile: string;
  let now = Date.UTC(2026, 9, 15, 12);

  beforeAll(async () => {
    configDir = await mkdtemp(path.join(tmpdir(), 'imagerouter-lifecycle-'));
    configFile = path.join(configDir, 'config.yaml');
    await writeFile(
      configFile,
      `
models:
  "test/old-painter":
    release_date: "2025-01-01"
    deprecated_on: "2026-11-01"
    retires_on: "2027-01-01"
    successor: test/test
    capabilities: { size_range: { min: 64, max: 4096 }, max_n: 2 }
    pricing: { type: fixed, value: 0 }
    routes:
      - provider: test
        model: test/test
`,
    );
    gateway = await startTestGateway({ IMAGEROUTER_CONFIG: configFile }, { catalog: loadCatalog({ configFile, clock: () => now }) });
  });
  afterAll(async () => {
    await gateway?.close();
    await rm(configDir, { recursive: true, force: true });
  });

  const generate = () =>
    fetch(`${gateway.url}/v1/openai/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'test/old-painter', prompt: 'a lighthouse', size: '64x64', response_format: 'b64_json' }),
    });
  const entry = async () => (await (await fetch(`${gateway.url}/v1/models/test/old-painter`)).json()) as Record<string, unknown>;

  it('is active before deprecated_on: no warning, no headers, dates listed', async () => {
    now = Date.UTC(2026, 9, 15, 12);
    const response = await generate();
    expect(response.status).toBe(200);
    expect(response.headers.get('deprecation')).toBeNull();
    expect(((await response.json()) as { warnings?: unknown[] }).warnings ?? []).toEqual([]);
    expect(await entry()).toMatchObject({
      status: 'active',
      deprecated_on: '2026-11-01',
      retires_on: '2027-01-01',
      successor: 'test/test',
    });
  });

  it('is deprecated from deprecated_on: served with a warning and Deprecation, Sunset and Link headers', async () => {
    now = Date.UTC(2026, 10, 1) + 1;
    const response = await generate();
    expect(response.status).toBe(200);
    expect(response.headers.get('deprecation')).toBe(`@${Date.UTC(2026, 10, 1) / 1000}`);
    expect(response.headers.get('sunset')).toBe('Fri, 01 Jan 2027 00:00:00 GMT');
    expect(response.headers.get('link')).toBe(`<${gateway.url}/v1/models/test%2Ftest>; rel="successor-version"`);
    expect(((await response.json()) as { warnings: unknown[] }).warnings).toContainEqual({
      type: 'deprecated',
      setting: 'model',
      message: "The model 'test/old-painter' is deprecated and will be retired on 2027-01-01. Use 'test/test' instead.",
    });
    expect(await entry()).toMatchObject({ status: 'deprecated' });
    const listed = (await (await fetch(`${gateway.url}/v2/models?fields=status,retires_on`)).json()) as Array<Record<string, unknown>>;
    expect(listed.find((model) => model['id'] === 'test/old-painter')).toEqual({
      id: 'test/old-painter',
      status: 'deprecated',
      retires_on: '2027-01-01',
    });
  });

  it('answers 410 naming the successor from retires_on, and leaves the lists', async () => {
    now = Date.UTC(2027, 0, 1) - 1;
    expect((await generate()).status).toBe(200);
    now += 1;
    const response = await generate();
    expect(response.status).toBe(410);
    expect(await response.json()).toMatchObject({
      error: {
        code: 'model_retired',
        param: 'model',
        message: "The model 'test/old-painter' was retired on 2027-01-01 and is no longer available. Use 'test/test' instead.",
      },
    });
    expect(await entry()).toMatchObject({ status: 'retired' });
    const listed = (await (await fetch(`${gateway.url}/v1/models`)).json()) as Record<string, unknown>;
    expect(listed).not.toHaveProperty(['test/old-painter']);
    const openai = (await (await fetch(`${gateway.url}/v1/openai/models`)).json()) as { data: Array<{ id: string }> };
    expect(openai.data.map((model) => model.id)).not.toContain('test/old-painter');
    now += 30 * DAY;
    expect((await generate()).status).toBe(410);
  });

  it('refuses a successor that is not in the catalog, and deprecated_on after retires_on', async () => {
    const problemsOf = async (name: string, fields: string) => {
      const file = path.join(configDir, name);
      await writeFile(
        file,
        `models:\n  "test/orphan":\n    release_date: "2025-01-01"\n${fields}    pricing: { type: fixed, value: 0 }\n    routes: [{ provider: test, model: test/test }]\n`,
      );
      try {
        loadCatalog({ configFile: file });
      } catch (caught) {
        expect(caught).toBeInstanceOf(CatalogError);
        return (caught as Error).message;
      }
      throw new Error(`${name} loaded`);
    };
    expect(await problemsOf('order.yaml', '    deprecated_on: "2027-02-01"\n    retires_on: "2027-01-01"\n')).toContain(
      'deprecated_on: must not be after retires_on',
    );
    expect(await problemsOf('successor.yaml', '    retires_on: "2027-01-01"\n    successor: test/nothing-here\n')).toContain(
      "successor: 'test/nothing-here' is not a model of the catalog",
    );
  });
});
