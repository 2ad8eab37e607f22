import { mkdtemp, rm } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectApiError,
  getJson,
  postJson,
  writeOperatorConfig,
  PRICED_TEST_MODEL_YAML,
  type HttpResult,
  type Json,
} from '../helpers/gateway-client.js';
import {
  accountKeyListResponseSchema,
  adminConfigResponseSchema,
  generationListResponseSchema,
  keyInfoResponseSchema,
  modelRoutesResponseSchema,
} from '../../src/http/schemas/dashboard-response-schemas.js';
import { parseCsv } from '../helpers/parse-csv.js';
import { forEachDatabase } from '../helpers/test-databases.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const ADMIN_ENV_KEY = 'ir-admin-env-key-0123456789-wxyz';
const METRICS_TOKEN = 'metrics-token-abcdefghij-7890';
const OPENAI_SECRET = 'sk-test-never-shown-anywhere-q1w2';

/** The endpoints the web dashboard calls (`/v1/key`, `/v1/generations`, `/v1/usage`, `/v1/keys`, routes, config), on each database. */
forEachDatabase((harness) => {
  describe('dashboard API', () => {
    let gateway: TestGateway;
    let configDir: string;
    let admin: string;
    let user: string;
    let stranger: string;

    beforeAll(async () => {
      configDir = await mkdtemp(path.join(tmpdir(), 'imagerouter-dashboard-'));
      gateway = await startTestGateway(
        {
          DATABASE_URL: await harness.createEmptyDatabase(),
          IMAGEROUTER_CONFIG: await writeOperatorConfig(configDir, PRICED_TEST_MODEL_YAML),
          IMAGEROUTER_ADMIN_KEY: ADMIN_ENV_KEY,
          IMAGEROUTER_METRICS_TOKEN: METRICS_TOKEN,
        },
        { env: { OPENAI_API_KEY: OPENAI_SECRET } },
      );
      admin = await gateway.createKey({ admin: true, name: 'operator' });
      user = await gateway.createKey({ name: 'customer', creditsMicros: 5_000_000 });
      stranger = await gateway.createKey({ name: 'stranger' });
    });
    afterAll(async () => {
      await gateway?.close();
      await rm(configDir, { recursive: true, force: true });
    });

    const get = (pathAndQuery: string, key: string | null = user) => getJson(gateway.url, pathAndQuery, { key });
    const post = (pathAndQuery: string, body: unknown, key = user) => postJson(gateway.url, pathAndQuery, body, { key });
    const send = async (method: 'PATCH' | 'DELETE', pathAndQuery: string, body: unknown, key = user): Promise<HttpResult> => {
      const response = await fetch(gateway.url + pathAndQuery, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, text, body: JSON.parse(text) as Json };
    };
    const generate = async (key: string, prompt: string): Promise<string> => {
      const result = await post(
        '/v1/openai/images/generations',
        { model: 'test/test', prompt, size: '64x64', response_format: 'url' },
        key,
      );
      expect(result.status, result.text).toBe(200);
      return result.headers.get('x-generation-id')!;
    };
    const createKey = async (body: Record<string, unknown>, key = user) => {
      const created = await post('/v1/keys', body, key);
      expect(created.status, created.text).toBe(201);
      return created.body as { id: string; key: string; account_id: string; scopes: string[] };
    };

    it('GET /v1/key describes the calling key and its account, for any valid key', async () => {
      const result = await get('/v1/key');
      expect(result.status, result.text).toBe(200);
      keyInfoResponseSchema.parse(result.body);
      expect(result.body).toMatchObject({
        name: 'customer',
        scopes: ['generate', 'read'],
        admin: false,
        expires_at: null,
        spend_limit: null,
        requests_per_minute: null,
        max_concurrent_generations: null,
        account: { name: 'customer', unlimited: false, balance_micros: 5_000_000, balance: 5 },
      });
      expect(user.startsWith(result.body.prefix as string)).toBe(true);
      const readOnly = await createKey({ name: 'reader', scopes: ['read'], spend_limit: 1, spend_limit_period: 'day' });
      const asReader = await get('/v1/key', readOnly.key);
      expect(asReader.body).toMatchObject({ id: readOnly.id, scopes: ['read'], spend_limit: { limit: 1, period: 'day' } });
      expect(asReader.body.account.id).toBe(result.body.account.id);
      expectApiError(await get('/v1/key', null), { status: 401 });
      expect((await get('/v1/key', admin)).body).toMatchObject({ admin: true, account: { unlimited: true, balance: null } });
    });

    it("GET /v1/generations pages the account's generations newest first, each as GET /v1/generations/{id}", async () => {
      const second = await createKey({ name: 'second' });
      const ids = [await generate(user, 'one'), await generate(user, 'two'), await generate(second.key, 'three')];
      const foreign = await generate(stranger, 'not yours');

      const seen: Json[] = [];
      let cursor: string | null = null;
      do {
        const page: HttpResult = await get(`/v1/generations?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
        expect(page.status, page.text).toBe(200);
        generationListResponseSchema.parse(page.body);
        expect(page.body.data.length).toBeLessThanOrEqual(2);
        seen.push(...(page.body.data as Json[]));
        cursor = page.body.next_cursor as string | null;
      } while (cursor !== null);
      // Newest first; generations recorded in the same millisecond fall back to id order, so compare sets and the order of `created`.
      expect(new Set(seen.map((item) => item.id))).toEqual(new Set(ids));
      expect(seen).toHaveLength(ids.length);
      const created = seen.map((item) => item.created as number);
      expect(created).toEqual([...created].sort((a, b) => b - a));
      expect(seen.map((item) => item.id)).not.toContain(foreign);
      for (const item of seen) {
        const single = await get(`/v1/generations/${item.id as string}`);
        expect(item).toEqual(single.body);
        expect(item.data[0].url).toMatch(new RegExp(`^${gateway.url}/storage/`));
      }

      const bySecond = await get(`/v1/generations?api_key_id=${second.id}`);
      expect(bySecond.body.data.map((item: Json) => item.id)).toEqual([ids[2]]);
      expect((await get('/v1/generations?status=error')).body.data).toEqual([]);
      expect((await get('/v1/generations?model=test/test&status=success&limit=100')).body.data).toHaveLength(3);
      expect((await get('/v1/generations?model=other/model')).body).toEqual({ data: [], next_cursor: null });
      const strangers = await get('/v1/generations', stranger);
      expect(strangers.body.data.map((item: Json) => item.id)).toEqual([foreign]);
    });

    it('GET /v1/generations refuses bad queries naming the parameter', async () => {
      expectApiError(await get('/v1/generations?limit=0'), { status: 400, param: 'limit' });
      expectApiError(await get('/v1/generations?limit=101'), { status: 400, param: 'limit' });
      expectApiError(await get('/v1/generations?status=done'), { status: 400, param: 'status' });
      expectApiError(await get('/v1/generations?cursor=nonsense'), { status: 400, param: 'cursor' });
      expectApiError(await get('/v1/generations', null), { status: 401 });
    });

    it("GET /v1/usage is the admin usage pinned to the caller's account", async () => {
      const account = (await get('/v1/key')).body.account.id as string;
      const rows = await get('/v1/usage?limit=1000');
      expect(rows.status, rows.text).toBe(200);
      expect(rows.body.data.length).toBeGreaterThanOrEqual(3);
      expect(new Set(rows.body.data.map((row: Json) => row.account_id))).toEqual(new Set([account]));
      const asAdmin = await get(`/v1/admin/usage?account_id=${account}&limit=1000`, admin);
      expect(rows.body).toEqual(asAdmin.body);

      expect((await get(`/v1/usage?account_id=${account}`)).status).toBe(200);
      expectApiError(await get(`/v1/usage?account_id=${randomUUID()}`), { status: 403, param: 'account_id' });
      const totals = await get('/v1/usage?group_by=model');
      expect(totals.body).toEqual((await get(`/v1/admin/usage?group_by=model&account_id=${account}`, admin)).body);
      expect(totals.body.data[0]).toMatchObject({ key: 'test/test', count: rows.body.data.length });

      const csv = await fetch(`${gateway.url}/v1/usage?format=csv`, { headers: { authorization: `Bearer ${user}` } });
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
      const table = parseCsv(await csv.text());
      expect(table.slice(1).map((row) => row[2])).toEqual(rows.body.data.map(() => account));
      expectApiError(await get('/v1/usage?group_by=week'), { status: 400, param: 'group_by' });
    });

    it("manages the caller's account's keys: create, list, update, revoke", async () => {
      const account = (await get('/v1/key')).body.account.id as string;
      const created = await post('/v1/keys', {
        name: 'ci',
        expires_at: '2099-01-01T00:00:00Z',
        spend_limit: 2,
        requests_per_minute: 10,
        max_concurrent_generations: 2,
      });
      expect(created.status, created.text).toBe(201);
      expect(created.body).toMatchObject({
        name: 'ci',
        account_id: account,
        admin: false,
        scopes: ['generate', 'read'],
        expires_at: Date.parse('2099-01-01T00:00:00Z'),
        spend_limit: { limit: 2, period: 'month' },
        requests_per_minute: 10,
        max_concurrent_generations: 2,
      });
      const newKey = created.body.key as string;
      expect((await get('/v1/key', newKey)).body.id).toBe(created.body.id);

      const listed = await get('/v1/keys');
      expect(listed.status).toBe(200);
      accountKeyListResponseSchema.parse(listed.body);
      const names = listed.body.data.map((key: Json) => key.name);
      expect(names).toContain('ci');
      expect(names).not.toContain('stranger');
      expect(new Set(listed.body.data.map((key: Json) => key.account_id))).toEqual(new Set([account]));
      expect(listed.text).not.toContain(newKey);

      const updated = await send('PATCH', `/v1/keys/${created.body.id as string}`, { name: 'ci-2', spend_limit: null, scopes: ['read'] });
      expect(updated.status, updated.text).toBe(200);
      expect(updated.body).toMatchObject({ name: 'ci-2', spend_limit: null, scopes: ['read'] });
      // A period for a key without a spend limit would limit nothing: refused, naming the parameter.
      expectApiError(await send('PATCH', `/v1/keys/${created.body.id as string}`, { spend_limit_period: 'day' }), {
        status: 400,
        param: 'spend_limit_period',
      });

      const strangersKey = (await get('/v1/key', stranger)).body.id as string;
      expectApiError(await send('PATCH', `/v1/keys/${strangersKey}`, { name: 'mine now' }), { status: 404, param: 'id' });
      expectApiError(await send('DELETE', `/v1/keys/${strangersKey}`, undefined), { status: 404, param: 'id' });
      expect((await get('/v1/key', stranger)).status).toBe(200);

      const revoked = await send('DELETE', `/v1/keys/${created.body.id as string}`, undefined);
      expect(revoked.body).toEqual({ id: created.body.id, revoked: true });
      expectApiError(await get('/v1/key', newKey), { status: 401 });
      expectApiError(await send('DELETE', `/v1/keys/${created.body.id as string}`, undefined), { status: 404 });
    });

    it('never grants more than the caller has, and takes no operator-only fields', async () => {
      expectApiError(await post('/v1/keys', { name: 'x', scopes: ['generate', 'admin'] }), { status: 403, param: 'scopes' });
      expectApiError(await post('/v1/keys', { name: 'x', admin: true }), { status: 403, param: 'scopes' });
      expectApiError(await post('/v1/keys', { name: 'x', credits: 10 }), { status: 400, param: 'credits' });
      expectApiError(await post('/v1/keys', { name: 'x', account_id: randomUUID() }), { status: 400, param: 'account_id' });
      expectApiError(await post('/v1/keys', { name: 'x', colour: 'red' }), { status: 400, param: 'colour' });
      expectApiError(await post('/v1/keys', { name: '' }), { status: 400, param: 'name' });
      expectApiError(await post('/v1/keys', { name: 'x', spend_limit: -1 }), { status: 400, param: 'spend_limit' });

      const generateOnly = await createKey({ name: 'painter', scopes: ['generate'] });
      expectApiError(await get('/v1/keys', generateOnly.key), { status: 403, code: 'missing_scope' });
      expectApiError(await post('/v1/keys', { name: 'y' }, generateOnly.key), { status: 403, code: 'missing_scope' });
      const ownKey = await createKey({ name: 'upgrade me', scopes: ['read'] });
      expectApiError(await send('PATCH', `/v1/keys/${ownKey.id}`, { scopes: ['admin'] }), { status: 403, param: 'scopes' });

      const adminMade = await createKey({ name: 'deputy', admin: true }, admin);
      expect(adminMade.scopes).toEqual(['generate', 'read', 'admin']);
      // A non-admin key of the admin's account can't touch the admin keys there.
      const helper = await createKey({ name: 'helper' }, admin);
      expectApiError(await send('DELETE', `/v1/keys/${adminMade.id}`, undefined, helper.key), { status: 403, param: 'id' });
      expectApiError(await send('PATCH', `/v1/keys/${adminMade.id}`, { name: 'mine' }, helper.key), { status: 403, param: 'id' });
      expect((await get('/v1/key', adminMade.key)).body.admin).toBe(true);
    });

    it('GET /v1/models/{id}/routes shows routes with price and health, by id, encoded id or alias', async () => {
      await generate(user, 'health');
      for (const route of ['/v1/models/test/test/routes', '/v1/models/test%2Ftest/routes']) {
        const result = await get(route);
        expect(result.status, result.text).toBe(200);
        modelRoutesResponseSchema.parse(result.body);
        expect(result.body.model).toBe('test/test');
        const [first] = result.body.routes as Json[];
        expect(first).toMatchObject({
          provider: 'test',
          upstream_model: 'test/test',
          configured: true,
          price: { min: 0.01, max: 0.01 },
          breaker: 'closed',
          error_rate: 0,
        });
        expect(first.recent_calls).toBeGreaterThanOrEqual(1);
        expect(first.p50_latency_ms).toEqual(expect.any(Number));
      }
      expectApiError(await get('/v1/models/nobody/nothing/routes'), { status: 404, param: 'model' });
      expectApiError(await get('/v1/models/test/test/routes', null), { status: 401 });
      // The catalog endpoint itself still answers without a key.
      expect((await get('/v1/models/test/test', null)).status).toBe(200);
    });

    it('shows an unconfigured route as such, with no health; an alias finds its model', async () => {
      const byAlias = await get('/v1/models/gpt-image-2/routes');
      expect(byAlias.status, byAlias.text).toBe(200);
      expect(byAlias.body.model).toBe('openai/gpt-image-2');
      expect(byAlias.body.routes[0]).toMatchObject({
        provider: 'openai',
        configured: true,
        breaker: 'closed',
        recent_calls: 0,
        error_rate: null,
      });
      expect(byAlias.text).not.toContain(OPENAI_SECRET);
      const unconfigured = await get('/v1/models/black-forest-labs/FLUX-2-pro/routes');
      expect(unconfigured.body.routes[0]).toMatchObject({ provider: 'bfl', configured: false, breaker: null, recent_calls: 0 });
    });

    it('GET /v1/admin/config shows the effective configuration with every secret masked', async () => {
      expectApiError(await get('/v1/admin/config'), { status: 403, code: 'admin_required' });
      const result = await get('/v1/admin/config', admin);
      expect(result.status, result.text).toBe(200);
      adminConfigResponseSchema.parse(result.body);
      const { settings, providers, catalog } = result.body as Json;
      expect(settings.IMAGEROUTER_ADMIN_KEY).toBe('••••wxyz');
      expect(settings.IMAGEROUTER_METRICS_TOKEN).toBe('••••7890');
      expect(settings.IMAGEROUTER_RETENTION_DAYS).toBe(30);
      expect(settings.PUBLIC_URL).toBe(gateway.url);
      for (const secret of [ADMIN_ENV_KEY, METRICS_TOKEN, OPENAI_SECRET, 'test-never-shown']) expect(result.text).not.toContain(secret);
      const openai = (providers as Json[]).find((provider) => provider.id === 'openai');
      expect(openai).toMatchObject({ adapter: 'openai', configured: true, keys: 1, base_url: 'https://api.openai.com/v1' });
      expect(openai.key_variables).toContainEqual({ name: 'OPENAI_API_KEY', set: true });
      expect((providers as Json[]).find((provider) => provider.id === 'test')).toMatchObject({ configured: true, keys: 0 });
      expect(catalog.models).toBeGreaterThan(1);
      expect(catalog.config_file).toBe(settings.IMAGEROUTER_CONFIG);
      expect(result.body.routing).toMatchObject({
        max_retries: expect.any(Number),
        circuit_breaker: { failure_threshold: expect.any(Number) },
      });
    });

    it('documents every dashboard endpoint in the OpenAPI document', async () => {
      const document = await get('/openapi.json', null);
      expect(Object.keys(document.body.paths)).toEqual(
        expect.arrayContaining([
          '/v1/key',
          '/v1/generations',
          '/v1/usage',
          '/v1/keys',
          '/v1/keys/{id}',
          '/v1/models/{id}/routes',
          '/v1/admin/config',
        ]),
      );
      expect(document.body.paths['/v1/keys'].post.requestBody.content['application/json'].schema.properties).not.toHaveProperty('credits');
      expect(document.body.components.schemas).toHaveProperty('ModelRoutes');
    });
  });
});
