import { mkdtemp, rm } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, writeOperatorConfig, type HttpResult } from '../helpers/gateway-client.js';
import { forEachDatabase } from '../helpers/test-databases.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const ACCOUNT_LIMIT_MESSAGE =
  'Daily limit of 5 free requests reached. There is no limit on paid models, so you can continue with a paid model.';
const IP_LIMIT_MESSAGE =
  'Daily limit of 3 free requests per IP address reached. There is no limit on paid models, so you can continue with a paid model.';

/** A free model with ":free" in its id, and a paid one, both rendered by the local `test` provider. */
const MODELS_YAML = `
models:
  "test/lighthouse:free":
    release_date: "2026-01-01"
    capabilities: { size_range: { min: 64, max: 4096 }, max_n: 10, parameters: [] }
    pricing: { type: fixed, value: 0 }
    routes: [{ provider: test, model: test/test }]
  "test/paid":
    release_date: "2026-01-01"
    capabilities: { size_range: { min: 64, max: 4096 }, max_n: 10, parameters: [] }
    pricing: { type: fixed, value: 0.01 }
    routes: [{ provider: test, model: test/test }]
`;

/** 23:59:00.5 UTC: the next UTC midnight is 59.5 s away, so `Retry-After` is 60. */
const ONE_MINUTE_TO_MIDNIGHT = Date.UTC(2026, 11, 4, 23, 59, 0, 500);

/** Daily caps on free models (`test/test` costs $0), per account and per client IP, on each database. */
forEachDatabase((harness) => {
  const generate = (
    gateway: TestGateway,
    key: string,
    prompt = 'a free lighthouse',
    headers: Record<string, string> = {},
    model = 'test/test',
  ) => postJson(gateway.url, '/v1/openai/images/generations', { model, prompt, size: '64x64', output_format: 'png' }, { key, headers });
  const statuses = (results: HttpResult[]) => results.map((result) => result.status).sort();

  describe('free-model caps per account', () => {
    let gateway: TestGateway;
    let configDir: string;
    let now = ONE_MINUTE_TO_MIDNIGHT;

    beforeAll(async () => {
      configDir = await mkdtemp(path.join(tmpdir(), 'imagerouter-free-caps-'));
      gateway = await startTestGateway(
        {
          DATABASE_URL: await harness.createEmptyDatabase(),
          IMAGEROUTER_FREE_DAILY_LIMIT_PER_ACCOUNT: '5',
          IMAGEROUTER_CONFIG: await writeOperatorConfig(configDir, MODELS_YAML),
        },
        { clock: () => now },
      );
    });
    afterAll(async () => {
      await gateway?.close();
      await rm(configDir, { recursive: true, force: true });
    });

    it('answers 429 free_daily_limit with the message and a Retry-After until the next UTC midnight', async () => {
      const key = await gateway.createKey();
      for (let index = 0; index < 5; index += 1) expect((await generate(gateway, key)).status).toBe(200);
      const refused = await generate(gateway, key);
      expect(refused.status).toBe(429);
      expect(refused.body).toEqual({ error: { message: ACCOUNT_LIMIT_MESSAGE, type: 'rate_limit_error', code: 'free_daily_limit' } });
      expect(refused.headers.get('retry-after')).toBe('60');
      // Async mode refuses up front too, rather than answering 202 for a generation that can't start.
      const refusedAsync = await generate(gateway, key, 'later', { prefer: 'respond-async' });
      expect(refusedAsync.status).toBe(429);
      expect(refusedAsync.body.error.code).toBe('free_daily_limit');
      // Refused before anything is recorded: five generations, no sixth.
      const rows = await gateway.context.database.db.selectFrom('generations').select('status').execute();
      expect(rows.filter((row) => row.status === 'success')).toHaveLength(5);
      expect(rows).toHaveLength(5);

      // A new UTC day starts a new count.
      now = ONE_MINUTE_TO_MIDNIGHT + 60_000;
      expect((await generate(gateway, key)).status).toBe(200);
      now = ONE_MINUTE_TO_MIDNIGHT;
    });

    it('does not count failed free generations', async () => {
      const key = await gateway.createKey();
      for (let index = 0; index < 4; index += 1) expect((await generate(gateway, key, '[[fail:500]] broken')).status).toBe(500);
      for (let index = 0; index < 5; index += 1) expect((await generate(gateway, key)).status).toBe(200);
      expect((await generate(gateway, key)).status).toBe(429);
    });

    it('lets exactly 5 of 20 concurrent free requests through', async () => {
      const key = await gateway.createKey();
      const prompt = `[[delay:200]] a busy harbour ${randomUUID()}`;
      const results = await Promise.all(Array.from({ length: 20 }, () => generate(gateway, key, prompt)));
      expect(statuses(results)).toEqual([...Array<number>(5).fill(200), ...Array<number>(15).fill(429)]);
      for (const refused of results.filter((result) => result.status === 429)) expect(refused.body.error.code).toBe('free_daily_limit');
      const db = gateway.context.database.db;
      const recorded = await db.selectFrom('generations').select(['account_id', 'status']).where('prompt', '=', prompt).execute();
      expect(recorded.map((row) => row.status)).toEqual(Array<string>(5).fill('success'));
      const counter = await db.selectFrom('free_usage_counters').select('used').where('subject', '=', recorded[0]!.account_id).execute();
      expect(counter).toEqual([{ used: 5 }]);
    });

    it('hints at removing ":free" when the model id has it, and never caps a paid model', async () => {
      const key = await gateway.createKey({ creditsMicros: 1_000_000 });
      for (let index = 0; index < 5; index += 1)
        expect((await generate(gateway, key, 'free', {}, 'test/lighthouse:free')).status).toBe(200);
      const refused = await generate(gateway, key, 'free', {}, 'test/lighthouse:free');
      expect(refused.status).toBe(429);
      expect(refused.body.error).toEqual({
        message:
          'Daily limit of 5 free requests reached. There is no limit on paid models, so you can continue by removing ":free" from the model name.',
        type: 'rate_limit_error',
        code: 'free_daily_limit',
      });
      // The same account, a paid model: no cap.
      for (let index = 0; index < 3; index += 1) expect((await generate(gateway, key, 'paid', {}, 'test/paid')).status).toBe(200);
    });
  });

  describe('free-model caps per client IP', () => {
    let gateway: TestGateway;

    beforeAll(async () => {
      gateway = await startTestGateway({
        DATABASE_URL: await harness.createEmptyDatabase(),
        IMAGEROUTER_FREE_DAILY_LIMIT_PER_IP: '3',
        IMAGEROUTER_TRUST_PROXY: '127.0.0.1',
      });
    });
    afterAll(async () => {
      await gateway?.close();
    });

    it('counts every account of one IP together, and another IP apart', async () => {
      const [first, second] = [await gateway.createKey(), await gateway.createKey()];
      const from = (ip: string) => ({ 'x-forwarded-for': ip });
      expect((await generate(gateway, first, 'one', from('203.0.113.7'))).status).toBe(200);
      expect((await generate(gateway, second, 'two', from('203.0.113.7'))).status).toBe(200);
      expect((await generate(gateway, first, 'three', from('203.0.113.7'))).status).toBe(200);
      const refused = await generate(gateway, second, 'four', from('203.0.113.7'));
      expect(refused.status).toBe(429);
      expect(refused.body).toEqual({ error: { message: IP_LIMIT_MESSAGE, type: 'rate_limit_error', code: 'free_daily_limit_ip' } });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      // Another client of the same account is not this IP's concern.
      expect((await generate(gateway, second, 'five', from('198.51.100.1'))).status).toBe(200);
      // IPv6 clients count per /64 network.
      for (const suffix of ['1', '2', '3'])
        expect((await generate(gateway, first, suffix, from(`2001:db8:1:2::${suffix}`))).status).toBe(200);
      expect((await generate(gateway, second, 'six', from('2001:db8:1:2:ffff::9'))).body.error.code).toBe('free_daily_limit_ip');
    });
  });

  describe('free-model caps by default', () => {
    let gateway: TestGateway;

    beforeAll(async () => {
      gateway = await startTestGateway({ DATABASE_URL: await harness.createEmptyDatabase() });
    });
    afterAll(async () => {
      await gateway?.close();
    });

    it('are off: 30 concurrent free requests of one account all succeed and nothing is counted', async () => {
      const results = await Promise.all(Array.from({ length: 30 }, () => generate(gateway, gateway.key)));
      expect(statuses(results)).toEqual(Array<number>(30).fill(200));
      expect(await gateway.context.database.db.selectFrom('free_usage_counters').selectAll().execute()).toEqual([]);
    });
  });
});
