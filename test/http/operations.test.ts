import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, findApiKeyByToken } from '../../src/accounts/api-key-repository.js';
import { buildApp } from '../../src/app.js';
import { createAppContext } from '../../src/app-context.js';
import { loadAppConfig } from '../../src/config/app-config.js';
import { noisyImage } from '../fixtures/images/make-test-images.js';
import {
  PRICED_TEST_MODEL_YAML,
  expectApiError,
  getJson,
  getRawPath,
  postForm,
  postJson,
  postRaw,
  writeOperatorConfig,
} from '../helpers/gateway-client.js';
import { type TestGateway, startTestGateway } from '../helpers/test-gateway.js';

/** Account and operations endpoints over real HTTP, and what the logs may never contain. */

const GENERATIONS = '/v1/openai/images/generations';
const MODEL = 'test/test';

let configDir: string;
let configFile: string;
/** test/test costs $0.01 here. */
let gateway: TestGateway;

beforeAll(async () => {
  configDir = await mkdtemp(path.join(os.tmpdir(), 'imagerouter-operations-'));
  configFile = await writeOperatorConfig(configDir, PRICED_TEST_MODEL_YAML);
  gateway = await startTestGateway({ IMAGEROUTER_CONFIG: configFile });
});

afterAll(async () => {
  await gateway?.close();
  if (configDir) await rm(configDir, { recursive: true, force: true });
});

describe('GET /v1/credits', () => {
  let key: string;
  let secondKey: string;

  beforeAll(async () => {
    key = await gateway.createKey({ creditsMicros: 1_000_000, name: 'first key' });
    const found = await findApiKeyByToken(gateway.context.database.db, key);
    if (!found) throw new Error('key not found');
    // A second key on the same account shares its balance.
    secondKey = (await createApiKey(gateway.context.database.db, { name: 'second key', accountId: found.account.id })).key;
  });

  const credits = (query = '', withKey = key) => getJson(gateway.url, `/v1/credits${query}`, { key: withKey });
  const generate = (body: Record<string, unknown>, withKey = key) =>
    postJson(gateway.url, GENERATIONS, { model: MODEL, size: '64x64', ...body }, { key: withKey });

  it('reports a fresh balance as strings with 4 decimals', async () => {
    const result = await credits();
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ remaining_credits: '1.0000', credit_usage: '0.0000', total_deposits: '1.0000', unlimited: false });
  });

  it('after a few paid generations (and a failed one): balance, usage and usage by key', async () => {
    expect((await generate({ prompt: 'one' })).status).toBe(200);
    const two = await generate({ prompt: 'two', n: 2 });
    expect(two.status, two.text).toBe(200);
    expect(two.body.cost).toBe(0.02);
    expect((await generate({ prompt: 'failing [[fail:503]]' })).status).toBe(503);
    expect((await generate({ prompt: 'from the second key' }, secondKey)).status).toBe(200);

    const summary = await credits();
    expect(summary.body).toEqual({ remaining_credits: '0.9600', credit_usage: '0.0400', total_deposits: '1.0000', unlimited: false });
    // Both keys see their shared account.
    expect((await credits('', secondKey)).body).toEqual(summary.body);

    const byKey = await credits('?by_api_key=true');
    expect(byKey.status).toBe(200);
    expect(byKey.body).toMatchObject({ remaining_credits: '0.9600', credit_usage: '0.0400' });
    const items = byKey.body.usage_by_api_key as Array<Record<string, unknown>>;
    expect(items).toHaveLength(2);
    expect(items[0]).toMatchObject({ api_key_name: 'first key', credit_usage: '0.0300', total_requests: 3, is_active: true });
    expect(items[1]).toMatchObject({ api_key_name: 'second key', credit_usage: '0.0100', total_requests: 1, is_active: true });
    for (const item of items) {
      expect(typeof item['api_key_id']).toBe('string');
      expect(new Date(String(item['created_at'])).toISOString()).toBe(item['created_at']);
    }
    // Only the exact string 'true' asks for the breakdown.
    expect((await credits('?by_api_key=1')).body).not.toHaveProperty('usage_by_api_key');
  });

  it('an unlimited key says so', async () => {
    const result = await credits('', gateway.key);
    expect(result.body).toMatchObject({ remaining_credits: null, unlimited: true });
  });

  it('needs a key', async () => {
    expectApiError(await getJson(gateway.url, '/v1/credits', { key: null }), { status: 401, mentions: 'Authorization' });
    expectApiError(await getJson(gateway.url, '/v1/credits', { key: 'not-a-key' }), { status: 401, mentions: 'Invalid API key' });
  });
});

describe('operations', () => {
  it('GET /health', async () => {
    const result = await getJson(gateway.url, '/health');
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ status: 'ok' });
  });

  it('GET /ready answers once the database does', async () => {
    const result = await getJson(gateway.url, '/ready');
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ status: 'ready', database: 'sqlite' });
    expect(result.body.models).toBeGreaterThanOrEqual(1);
  });

  it('GET /metrics is Prometheus text that counts generations', async () => {
    const generated = await postJson(gateway.url, GENERATIONS, { model: MODEL, prompt: 'metrics', size: '64x64' }, { key: gateway.key });
    expect(generated.status).toBe(200);
    const result = await getJson(gateway.url, '/metrics');
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(result.text).toContain('# TYPE imagerouter_generations_total counter');
    const line = result.text
      .split('\n')
      .find((candidate) => candidate.startsWith('imagerouter_generations_total{') && candidate.includes('outcome="success"'));
    expect(line).toMatch(/model="test\/test"/);
    expect(Number(line?.split(' ').pop())).toBeGreaterThanOrEqual(1);
    expect(result.text).toMatch(/imagerouter_http_requests_total\{[^}]*route="\/v1\/openai\/images\/generations"[^}]*\} \d+/);
    expect(result.text).toMatch(/^imagerouter_images_total\{model="test\/test"\} [1-9]\d*$/m);
    expect(result.text).toMatch(/^imagerouter_provider_attempts_total\{provider="test",outcome="ok"\} [1-9]\d*$/m);
  });

  it('GET /metrics with IMAGEROUTER_METRICS_TOKEN set needs that Bearer token', async () => {
    const token = 'scrape-0123456789abcdef';
    const guarded = await startTestGateway({ IMAGEROUTER_METRICS_TOKEN: token });
    try {
      const attempts: Array<Record<string, string>> = [
        {},
        { authorization: 'Bearer wrong' },
        { authorization: `Bearer ${token}x` },
        { authorization: token },
        { authorization: `Bearer ${guarded.key}` },
      ];
      for (const headers of attempts) {
        const refused = await fetch(`${guarded.url}/metrics`, { headers });
        expect(refused.status).toBe(401);
        expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
        const text = await refused.text();
        expect(JSON.parse(text)).toMatchObject({ error: { type: 'unauthorized', code: 'metrics_token_required' } });
        expect(text).not.toContain('imagerouter_');
        expect(text).not.toContain(token);
      }
      const allowed = await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(allowed.status).toBe(200);
      expect(await allowed.text()).toContain('# TYPE imagerouter_generation_cost_micro_usd_total counter');
      // Only /metrics is guarded: the probes a load balancer uses stay open.
      expect((await fetch(`${guarded.url}/health`)).status).toBe(200);
      expect((await fetch(`${guarded.url}/ready`)).status).toBe(200);
    } finally {
      await guarded.close();
    }
  });

  it('GET /openapi.json is an OpenAPI 3.1 document with the image paths', async () => {
    const result = await getJson(gateway.url, '/openapi.json');
    expect(result.status).toBe(200);
    expect(result.body.openapi).toMatch(/^3\.1\./);
    expect(result.body.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(Object.keys(result.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/openai/images/generations',
        '/v1/openai/images/edits',
        '/v1/models',
        '/v1/credits',
        '/operations/get-popular-models',
      ]),
    );
    const generate = result.body.paths['/v1/openai/images/generations'].post;
    expect(Object.keys(generate.requestBody.content).sort()).toEqual(['application/json', 'multipart/form-data']);
    expect(generate.requestBody.content['application/json'].schema.properties).toHaveProperty('model');
    expect(generate.requestBody.content['multipart/form-data'].schema.properties).toHaveProperty('image[]');
    expect(generate.responses).toHaveProperty('200');
    expect(generate.responses).toHaveProperty('400');
    expect(result.body.components.schemas).toHaveProperty('Error');
    expect(generate.requestBody.content['application/json'].schema.properties).toHaveProperty('webhook_url');
    expect(generate.requestBody.content['multipart/form-data'].schema.properties).toHaveProperty('webhook_url');
    expect(result.body.paths['/v1/webhooks/secret'].post.responses).toHaveProperty('201');
    expect(result.body.components.schemas.Generation.properties).toHaveProperty('webhook');
  });

  it('GET /docs is an HTML page', async () => {
    const response = await fetch(`${gateway.url}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html.toLowerCase()).toContain('<html');
    expect(html).toContain('/v1/openai/images/generations');
  });

  it('an unknown route is a JSON 404', async () => {
    for (const result of [
      await getJson(gateway.url, '/no/such/route'),
      await postRaw(gateway.url, '/v1/nothing', '{}', { contentType: 'application/json' }),
      await getJson(gateway.url, GENERATIONS, { key: gateway.key }),
      await getRawPath(gateway.url, '/../../etc/passwd'),
    ]) {
      expectApiError(result, { status: 404, type: 'invalid_request_error' });
      expect(result.text).not.toContain('root:');
    }
  });
});

describe('logs', () => {
  const lines: string[] = [];
  let logged: { url: string; key: string; close(): Promise<void> };

  beforeAll(async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'imagerouter-logs-'));
    const config = loadAppConfig({
      IMAGEROUTER_DATA_DIR: dataDir,
      LOG_LEVEL: 'trace',
      HOST: '127.0.0.1',
      PORT: '0',
      IMAGEROUTER_CONFIG: configFile,
    });
    const context = await createAppContext(config);
    const app = await buildApp(context, { logStream: { write: (line: string) => void lines.push(line) } });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    context.config.publicUrl = url;
    const { key } = await createApiKey(context.database.db, { name: 'logged', creditsMicros: 1_000_000 });
    logged = {
      url,
      key,
      async close() {
        await app.close();
        await context.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  });

  afterAll(async () => {
    await logged?.close();
  });

  it('never contain an API key or base64 image data, even at trace level', async () => {
    const input = await noisyImage('png', 64, 64);
    const inputBase64 = input.toString('base64');
    const wrongKey = `ir_wrong_${'x'.repeat(40)}`;

    const inline = await postJson(
      logged.url,
      GENERATIONS,
      { model: MODEL, prompt: 'inline', size: '64x64', image: `data:image/png;base64,${inputBase64}`, response_format: 'b64_json' },
      { key: logged.key },
    );
    expect(inline.status, inline.text).toBe(200);
    const outputBase64 = inline.body.data[0].b64_json as string;
    const uploaded = await postForm(
      logged.url,
      '/v1/openai/images/edits',
      [
        ['model', MODEL],
        ['image[]', { bytes: input, filename: 'in.png', type: 'image/png' }],
        ['response_format', 'b64_ephemeral'],
      ],
      {
        key: logged.key,
      },
    );
    expect(uploaded.status, uploaded.text).toBe(200);
    const bad = await postJson(logged.url, GENERATIONS, { model: MODEL, size: 'abc', image: inputBase64 }, { key: logged.key });
    expect(bad.status).toBe(400);
    const failing = await postJson(
      logged.url,
      GENERATIONS,
      { model: MODEL, prompt: '[[fail:500]]', image: inputBase64 },
      { key: logged.key },
    );
    expect(failing.status).toBe(500);
    expect((await postJson(logged.url, GENERATIONS, { model: MODEL }, { key: wrongKey })).status).toBe(401);
    expect((await getJson(logged.url, `/v1/models?api_key=${logged.key}&key=${logged.key}`)).status).toBe(200);
    expect((await getJson(logged.url, '/v1/credits', { key: logged.key })).status).toBe(200);

    // Lines are written asynchronously by some destinations: let them arrive.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const text = lines.join('');
    // The capture works: the requests are there.
    expect(lines.length).toBeGreaterThan(10);
    expect(text).toContain('/v1/openai/images/generations');
    expect(text).toContain('/v1/credits');

    const linesWith = (needle: string) => lines.filter((line) => line.includes(needle));
    expect(linesWith(logged.key)).toEqual([]);
    expect(linesWith(wrongKey)).toEqual([]);
    expect(linesWith(logged.key.slice(-24))).toEqual([]);
    for (const base64 of [inputBase64, outputBase64]) {
      // Windows of 40 characters spread over the images' base64.
      const step = Math.max(1, Math.floor(base64.length / 50));
      for (let offset = 0; offset + 40 <= base64.length; offset += step) expect(linesWith(base64.slice(offset, offset + 40))).toEqual([]);
    }
    // And no long base64 run of any origin.
    expect(text).not.toMatch(/[A-Za-z0-9+/]{200,}/);
  });
});
