import { mkdtemp, rm } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/accounts/api-key-repository.js';
import {
  expectApiError,
  getJson,
  postJson,
  writeOperatorConfig,
  PRICED_TEST_MODEL_YAML,
  type HttpResult,
  type Json,
} from '../helpers/gateway-client.js';
import { parseCsv } from '../helpers/parse-csv.js';
import { forEachDatabase } from '../helpers/test-databases.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

/** The admin API (`/v1/admin/accounts|usage|providers`) through real HTTP, on each database. */
forEachDatabase((harness) => {
  describe('admin API', () => {
    let gateway: TestGateway;
    let configDir: string;
    let admin: string;
    let user: string;

    beforeAll(async () => {
      configDir = await mkdtemp(path.join(tmpdir(), 'imagerouter-admin-'));
      gateway = await startTestGateway({
        DATABASE_URL: await harness.createEmptyDatabase(),
        IMAGEROUTER_CONFIG: await writeOperatorConfig(configDir, PRICED_TEST_MODEL_YAML),
      });
      admin = await gateway.createKey({ admin: true, name: 'operator' });
      user = await gateway.createKey({ name: 'customer' });
    });
    afterAll(async () => {
      await gateway?.close();
      await rm(configDir, { recursive: true, force: true });
    });

    const get = (pathAndQuery: string, key = admin) => getJson(gateway.url, pathAndQuery, { key });
    const post = (pathAndQuery: string, body: unknown, key = admin) => postJson(gateway.url, pathAndQuery, body, { key });
    const patch = async (pathAndQuery: string, body: unknown): Promise<HttpResult> => {
      const response = await fetch(gateway.url + pathAndQuery, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, text, body: JSON.parse(text) as Json };
    };
    const generate = (key: string, prompt: string) =>
      postJson(gateway.url, '/v1/openai/images/generations', { model: 'test/test', prompt, size: '64x64', output_format: 'png' }, { key });
    const ledgerSum = async (accountId: string) => {
      let sum = 0;
      let cursor: string | null = null;
      do {
        const page: HttpResult = await get(`/v1/admin/accounts/${accountId}/ledger?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
        expect(page.status).toBe(200);
        for (const entry of page.body.data as Array<{ amount_micros: number }>) sum += entry.amount_micros;
        cursor = page.body.next_cursor as string | null;
      } while (cursor !== null);
      return sum;
    };

    it('refuses keys without admin (403) and requests without a key (401)', async () => {
      for (const route of ['/v1/admin/accounts', '/v1/admin/usage', '/v1/admin/providers', `/v1/admin/accounts/${randomUUID()}/ledger`]) {
        expectApiError(await get(route, user), { status: 403, code: 'admin_required' });
        expectApiError(await getJson(gateway.url, route, { key: null }), { status: 401 });
      }
      expectApiError(await post('/v1/admin/accounts', { name: 'x', credits: 1 }, user), { status: 403 });
      expectApiError(await post(`/v1/admin/accounts/${randomUUID()}/credits`, { amount: 1 }, user), { status: 403 });
    });

    it('creates an account, grants and deducts with notes; the ledger sums to the balance', async () => {
      const created = await post('/v1/admin/accounts', { name: 'acme', credits: 5 });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'acme', unlimited: false, balance_micros: 5_000_000, balance: 5, key_count: 0 });
      const id = created.body.id as string;

      const granted = await post(`/v1/admin/accounts/${id}/credits`, { amount: 2.5, note: 'invoice 42' });
      expect(granted.status).toBe(200);
      expect(granted.body).toMatchObject({ kind: 'grant', amount_micros: 2_500_000, account: { balance_micros: 7_500_000, balance: 7.5 } });
      const deducted = await post(`/v1/admin/accounts/${id}/credits`, { amount: -1.25, note: 'refund reversed' });
      expect(deducted.body).toMatchObject({ kind: 'adjust', amount_micros: -1_250_000, account: { balance_micros: 6_250_000 } });

      const overdraw = await post(`/v1/admin/accounts/${id}/credits`, { amount: -100 });
      expectApiError(overdraw, { status: 409, param: 'amount', code: 'balance_too_low', mentions: 'below 0' });
      expect((await get(`/v1/admin/accounts/${id}`)).body.balance_micros).toBe(6_250_000);

      const ledger = await get(`/v1/admin/accounts/${id}/ledger`);
      expect(ledger.body.data.map((entry: Json) => [entry.kind, entry.amount_micros, entry.note])).toEqual([
        ['adjust', -1_250_000, 'refund reversed'],
        ['grant', 2_500_000, 'invoice 42'],
        ['grant', 5_000_000, 'initial credits'],
      ]);
      expect(ledger.body.data[0]).toMatchObject({ amount: -1.25, generation_id: null });
      expect(await ledgerSum(id)).toBe(6_250_000);
    });

    it('never overdraws under concurrent deductions: 20 × $1 against $10 gives ten 200s and ten 409s', async () => {
      const id = (await post('/v1/admin/accounts', { name: 'race', credits: 10 })).body.id as string;
      const results = await Promise.all(Array.from({ length: 20 }, () => post(`/v1/admin/accounts/${id}/credits`, { amount: -1 })));
      expect(results.filter((result) => result.status === 200)).toHaveLength(10);
      expect(results.filter((result) => result.status === 409)).toHaveLength(10);
      expect((await get(`/v1/admin/accounts/${id}`)).body.balance_micros).toBe(0);
      expect(await ledgerSum(id)).toBe(0);
    });

    it('renames, makes unlimited and limited again from the ledger sum', async () => {
      const id = (await post('/v1/admin/accounts', { name: 'temp', credits: 1 })).body.id as string;
      expect((await patch(`/v1/admin/accounts/${id}`, { name: 'renamed' })).body).toMatchObject({
        name: 'renamed',
        balance_micros: 1_000_000,
      });
      expect((await patch(`/v1/admin/accounts/${id}`, { unlimited: true })).body).toMatchObject({
        unlimited: true,
        balance_micros: null,
        balance: null,
      });
      // Unlimited: a deduction is recorded, the balance stays NULL.
      expect((await post(`/v1/admin/accounts/${id}/credits`, { amount: -0.4 })).body.account.balance_micros).toBeNull();
      const limited = await patch(`/v1/admin/accounts/${id}`, { unlimited: false });
      expect(limited.body).toMatchObject({ unlimited: false, balance_micros: 600_000 });
      expect(await ledgerSum(id)).toBe(600_000);
      // Spending beyond the grants while unlimited is written off to 0 when limited again.
      await patch(`/v1/admin/accounts/${id}`, { unlimited: true });
      await post(`/v1/admin/accounts/${id}/credits`, { amount: -2 });
      expect((await patch(`/v1/admin/accounts/${id}`, { unlimited: false })).body.balance_micros).toBe(0);
      expect(await ledgerSum(id)).toBe(0);
    });

    it('answers clear 4xx for bad input and unknown accounts', async () => {
      expectApiError(await post('/v1/admin/accounts', { credits: 1 }), { status: 400, param: 'name' });
      expectApiError(await post('/v1/admin/accounts', { name: 'x', credits: -1 }), { status: 400, param: 'credits' });
      expectApiError(await post('/v1/admin/accounts', { name: 'x', credits: '5' }), { status: 400, param: 'credits' });
      const id = (await post('/v1/admin/accounts', { name: 'y', credits: 0 })).body.id as string;
      expectApiError(await post(`/v1/admin/accounts/${id}/credits`, { amount: 0 }), { status: 400, param: 'amount' });
      expectApiError(await post(`/v1/admin/accounts/${id}/credits`, { amount: 0.0000001 }), { status: 400, param: 'amount' });
      expectApiError(await post(`/v1/admin/accounts/${id}/credits`, { note: 'x' }), { status: 400, param: 'amount' });
      expectApiError(await patch(`/v1/admin/accounts/${id}`, {}), { status: 400 });
      expectApiError(await patch(`/v1/admin/accounts/${id}`, { unlimited: 'yes' }), { status: 400, param: 'unlimited' });
      expectApiError(await patch(`/v1/admin/accounts/${id}`, { credits: 3 }), { status: 400 });
      expectApiError(await get(`/v1/admin/accounts/${randomUUID()}`), { status: 404, param: 'id' });
      expectApiError(await get(`/v1/admin/accounts/${randomUUID()}/ledger`), { status: 404 });
      expectApiError(await post(`/v1/admin/accounts/${randomUUID()}/credits`, { amount: 1 }), { status: 404 });
      expectApiError(await get('/v1/admin/accounts?limit=0'), { status: 400, param: 'limit' });
      expectApiError(await get('/v1/admin/accounts?cursor=nonsense'), { status: 400, param: 'cursor' });
      expectApiError(await get('/v1/admin/usage?from=yesterday'), { status: 400, param: 'from' });
      expectApiError(await get('/v1/admin/usage?status=done'), { status: 400, param: 'status' });
      expectApiError(await get('/v1/admin/usage?group_by=week'), { status: 400, param: 'group_by' });
    });

    it('lists accounts with key counts, paging through all of them with the cursor', async () => {
      const all = await get('/v1/admin/accounts?limit=1000');
      expect(all.body.next_cursor).toBeNull();
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: HttpResult = await get(`/v1/admin/accounts?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
        expect(page.body.data.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.data.map((account: Json) => account.id as string));
        cursor = page.body.next_cursor as string | null;
      } while (cursor !== null);
      expect(seen).toEqual(all.body.data.map((account: Json) => account.id));
      expect(new Set(seen).size).toBe(seen.length);
      const operator = all.body.data.find((account: Json) => account.name === 'operator');
      expect(operator).toMatchObject({ key_count: 1, unlimited: true });
    });

    it('documents the admin endpoints in the served OpenAPI document', async () => {
      const document = (await getJson(gateway.url, '/openapi.json')).body;
      for (const route of [
        '/v1/admin/accounts',
        '/v1/admin/accounts/{id}',
        '/v1/admin/accounts/{id}/credits',
        '/v1/admin/accounts/{id}/ledger',
        '/v1/admin/usage',
        '/v1/admin/providers',
        '/v1/admin/keys',
        '/v1/admin/keys/{id}',
        '/v1/admin/keys/{id}/rotate',
      ]) {
        expect(document.paths, route).toHaveProperty([route]);
      }
      const keyFields = Object.keys(document.paths['/v1/admin/keys'].post.requestBody.content['application/json'].schema.properties);
      expect(keyFields).toEqual(
        expect.arrayContaining([
          'expires_at',
          'spend_limit',
          'spend_limit_period',
          'requests_per_minute',
          'max_concurrent_generations',
          'scopes',
        ]),
      );
      expect(document.components.schemas.AdminApiKey.properties).toHaveProperty(['spend_limit']);
      const usageParameters = document.paths['/v1/admin/usage'].get.parameters.map((parameter: Json) => parameter.name);
      expect(usageParameters).toEqual(
        expect.arrayContaining([
          'account_id',
          'api_key_id',
          'model',
          'provider',
          'status',
          'from',
          'to',
          'group_by',
          'format',
          'limit',
          'cursor',
        ]),
      );
      expect(document.paths['/v1/admin/accounts/{id}/credits'].post.requestBody.content['application/json'].schema.required).toEqual([
        'amount',
      ]);
      expect(document.components.schemas.AdminAccount.properties).toHaveProperty('balance_micros');
      expect(document.components.schemas.ProviderHealth.properties.data.items.properties).toHaveProperty('p95_latency_ms');
    });

    describe('with generations', () => {
      let accountId: string;
      let keyA: string;
      let keyB: { key: string; id: string };
      const ids: string[] = [];

      beforeAll(async () => {
        accountId = (await post('/v1/admin/accounts', { name: 'usage', credits: 1 })).body.id as string;
        keyA = (await createApiKey(gateway.context.database.db, { name: 'a', accountId })).key;
        const createdB = await createApiKey(gateway.context.database.db, { name: 'b', accountId });
        keyB = { key: createdB.key, id: createdB.apiKey.id };
        for (const [key, prompt] of [
          [keyA, 'one'],
          [keyA, 'two'],
          [keyB.key, 'three'],
          [keyB.key, 'broken [[fail:400]]'],
        ] as const) {
          const result = await generate(key, prompt);
          ids.push(result.headers.get('x-generation-id') ?? '');
        }
      });

      it('settles through the ledger: entries sum to the balance', async () => {
        const account = await get(`/v1/admin/accounts/${accountId}`);
        expect(account.body).toMatchObject({ balance_micros: 970_000, key_count: 2 });
        expect(await ledgerSum(accountId)).toBe(970_000);
        const kinds = (await get(`/v1/admin/accounts/${accountId}/ledger?limit=100`)).body.data.map((entry: Json) => entry.kind);
        expect(kinds.filter((kind: string) => kind === 'reserve')).toHaveLength(4);
        expect(kinds.filter((kind: string) => kind === 'release')).toHaveLength(1);
      });

      it('filters usage by account, key, status, model, provider and time', async () => {
        const rows = async (query: string) => (await get(`/v1/admin/usage?account_id=${accountId}&${query}`)).body.data as Json[];
        const all = await rows('');
        expect(all).toHaveLength(4);
        expect(all.every((row) => row.account_id === accountId)).toBe(true);
        expect(new Set(all.map((row) => row.id))).toEqual(new Set(ids));
        expect(await rows('status=success')).toHaveLength(3);
        expect(await rows('status=error')).toMatchObject([{ status: 'error', cost_micros: 0, provider: null }]);
        expect(await rows(`api_key_id=${keyB.id}`)).toHaveLength(2);
        expect(await rows('model=test/test')).toHaveLength(4);
        expect(await rows('model=other/model')).toHaveLength(0);
        expect(await rows('provider=test')).toHaveLength(3);
        const newest = Date.parse(all[0].created_at as string);
        expect(await rows(`from=${newest + 1}`)).toHaveLength(0);
        expect(await rows(`to=${new Date(newest + 1).toISOString()}`)).toHaveLength(4);
        expect(await rows('to=2000-01-01')).toHaveLength(0);
        expect(all[0]).toMatchObject({ model: 'test/test', n: 1 });
        const success = all.find((row) => row.status === 'success');
        expect(success).toMatchObject({ cost_micros: 10_000, cost: 0.01, images: 1 });
      });

      it('pages through every row with the opaque cursor in a stable order', async () => {
        const everything = (await get('/v1/admin/usage?limit=1000')).body.data.map((row: Json) => row.id as string);
        const paged: string[] = [];
        let cursor: string | null = null;
        do {
          const page: HttpResult = await get(`/v1/admin/usage?limit=3${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
          paged.push(...page.body.data.map((row: Json) => row.id as string));
          cursor = page.body.next_cursor as string | null;
        } while (cursor !== null);
        expect(paged).toEqual(everything);
        expect(everything.length).toBeGreaterThanOrEqual(4);
      });

      it('totals by api key, model, provider and day', async () => {
        const byKey = await get(`/v1/admin/usage?account_id=${accountId}&group_by=api_key`);
        expect(byKey.body.total).toEqual({ count: 4, images: 3, cost_micros: 30_000, cost: 0.03 });
        expect(byKey.body.data).toContainEqual({ key: keyB.id, count: 2, images: 1, cost_micros: 10_000, cost: 0.01 });
        const byModel = await get(`/v1/admin/usage?account_id=${accountId}&group_by=model`);
        expect(byModel.body.data).toEqual([{ key: 'test/test', count: 4, images: 3, cost_micros: 30_000, cost: 0.03 }]);
        const byProvider = await get(`/v1/admin/usage?account_id=${accountId}&group_by=provider`);
        expect(byProvider.body.data).toEqual([
          { key: 'test', count: 3, images: 3, cost_micros: 30_000, cost: 0.03 },
          { key: null, count: 1, images: 0, cost_micros: 0, cost: 0 },
        ]);
        const byDay = await get(`/v1/admin/usage?account_id=${accountId}&group_by=day`);
        const created = (await get(`/v1/admin/usage?account_id=${accountId}&limit=1`)).body.data[0].created_at as string;
        expect(byDay.body.data).toEqual([{ key: created.slice(0, 10), count: 4, images: 3, cost_micros: 30_000, cost: 0.03 }]);
      });

      it('exports CSV (format=csv or Accept: text/csv) that parses back to the JSON rows', async () => {
        const json = (await get(`/v1/admin/usage?account_id=${accountId}`)).body.data as Json[];
        for (const request of [
          () => get(`/v1/admin/usage?account_id=${accountId}&format=csv`),
          () => getJson(gateway.url, `/v1/admin/usage?account_id=${accountId}`, { key: admin, headers: { accept: 'text/csv' } }),
        ]) {
          const csv = await request();
          expect(csv.status).toBe(200);
          expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
          const [header, ...records] = parseCsv(csv.text);
          expect(header).toEqual(Object.keys(json[0]));
          expect(records).toHaveLength(4);
          const parsed = records.map((record) => Object.fromEntries(header!.map((column, index) => [column, record[index]])));
          expect(parsed.map((row) => row['id'])).toEqual(json.map((row) => row.id));
          expect(parsed.map((row) => Number(row['cost_micros']))).toEqual(json.map((row) => row.cost_micros));
          expect(parsed.find((row) => row['status'] === 'error')?.['provider']).toBe('');
        }
        const totals = await get(`/v1/admin/usage?account_id=${accountId}&group_by=api_key&format=csv`);
        const [header, ...records] = parseCsv(totals.text);
        expect(header).toEqual(['api_key', 'count', 'images', 'cost_micros', 'cost']);
        expect(records.map((record) => Number(record[1])).reduce((a, b) => a + b, 0)).toBe(4);
      });

      it('reports provider health from the calls this process made', async () => {
        const health = await get('/v1/admin/providers');
        expect(health.status).toBe(200);
        expect(health.body).toMatchObject({ scope: 'process', window_calls: 100 });
        const test = (health.body.data as Json[]).find((instance) => instance.instance === 'test');
        expect(test).toMatchObject({ adapter: 'test', breaker: 'closed', keys: [{ index: 0, breaker: 'closed' }], recent_errors: 1 });
        expect(test.recent_calls).toBeGreaterThanOrEqual(4);
        expect(test.error_rate).toBeCloseTo(1 / test.recent_calls);
        expect(test.p50_latency_ms).toBeGreaterThanOrEqual(0);
        expect(test.p95_latency_ms).toBeGreaterThanOrEqual(test.p50_latency_ms);
        expect(test.last_error).toMatchObject({ message: expect.any(String), kind: expect.any(String) });
      });
    });
  });
});

/** Breaker state is the router's memory, not the database's: one SQLite gateway is enough. */
describe('admin API provider health with an open breaker', () => {
  let gateway: TestGateway;
  let configDir: string;

  beforeAll(async () => {
    configDir = await mkdtemp(path.join(tmpdir(), 'imagerouter-admin-breaker-'));
    // The built-in `test` instance never opens its circuit; a named one with the breaker on does.
    const yaml = [
      'providers:',
      '  flaky: { type: test, settings: { circuit_breaker: true, max_retries: 0 } }',
      'models:',
      '  "test/test":',
      '    pricing: { type: fixed, value: 0.01 }',
      '    routes: [{ provider: flaky, model: test/test }]',
      'routing:',
      '  circuit_breaker: { failure_threshold: 2, open_ms: 600000 }',
      '',
    ].join('\n');
    gateway = await startTestGateway({ IMAGEROUTER_CONFIG: await writeOperatorConfig(configDir, yaml) });
  });
  afterAll(async () => {
    await gateway?.close();
    await rm(configDir, { recursive: true, force: true });
  });

  it('shows the open breaker, the error rate and the last error after repeated upstream failures', async () => {
    const admin = await gateway.createKey({ admin: true });
    const before = (await getJson(gateway.url, '/v1/admin/providers', { key: admin })).body.data.find(
      (item: Json) => item.instance === 'flaky',
    );
    expect(before).toMatchObject({
      adapter: 'test',
      breaker_disabled: false,
      breaker: 'closed',
      recent_calls: 0,
      error_rate: null,
      p50_latency_ms: null,
      last_error: null,
    });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const result = await postJson(
        gateway.url,
        '/v1/openai/images/generations',
        { model: 'test/test', prompt: 'down [[fail:503]]', size: '64x64' },
        { key: gateway.key },
      );
      expect(result.status).toBe(503);
    }
    const after = (await getJson(gateway.url, '/v1/admin/providers', { key: admin })).body.data.find(
      (item: Json) => item.instance === 'flaky',
    );
    // The third request found the circuit open and made no call.
    expect(after).toMatchObject({
      breaker: 'open',
      keys: [{ index: 0, breaker: 'open' }],
      recent_calls: 2,
      recent_errors: 2,
      error_rate: 1,
      p50_latency_ms: null,
      p95_latency_ms: null,
      last_error: { kind: 'unavailable' },
    });
  });
});
