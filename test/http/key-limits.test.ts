import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachDatabase } from '../helpers/test-databases.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

/** Per-key limits through the admin API and the image endpoint, on each database. */
forEachDatabase((harness) => {
  describe('api key limits', () => {
    let gateway: TestGateway;
    let adminKey: string;
    let configDir: string;

    beforeAll(async () => {
      configDir = await mkdtemp(path.join(tmpdir(), 'imagerouter-config-'));
      const configFile = path.join(configDir, 'config.yaml');
      // One cent per image, so spend limits and balances count whole images.
      await writeFile(configFile, 'models:\n  "test/test":\n    pricing: {type: fixed, value: 0.01}\n');
      gateway = await startTestGateway({ DATABASE_URL: await harness.createEmptyDatabase(), IMAGEROUTER_CONFIG: configFile });
      adminKey = await gateway.createKey({ admin: true, name: 'admin' });
    });
    afterAll(async () => {
      await gateway?.close();
      await rm(configDir, { recursive: true, force: true });
    });

    const admin = async (method: string, url: string, body?: unknown) => {
      const response = await fetch(`${gateway.url}${url}`, {
        method,
        headers: { authorization: `Bearer ${adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const createKey = async (body: Record<string, unknown>) => {
      const created = await admin('POST', '/v1/admin/keys', body);
      expect(created.status).toBe(201);
      return created.body as { id: string; key: string; account_id: string } & Record<string, unknown>;
    };
    const generate = (key: string, body: Record<string, unknown> = {}) =>
      fetch(`${gateway.url}/v1/openai/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'test/test', prompt: 'a lighthouse', size: '64x64', response_format: 'b64_ephemeral', ...body }),
      });
    const credits = async (key: string) =>
      (await (await fetch(`${gateway.url}/v1/credits?by_api_key=true`, { headers: { authorization: `Bearer ${key}` } })).json()) as {
        remaining_credits: string | null;
        usage_by_api_key: Array<Record<string, unknown>>;
      };

    it('fifty concurrent requests against a key spend limit for ten: ten 200s, forty 402s, spend exact', async () => {
      const created = await createKey({ name: 'limited', spend_limit: 0.1, spend_limit_period: 'day' });
      const statuses = await Promise.all(
        Array.from({ length: 50 }, (_, index) => generate(created.key, { prompt: `p${index}` }).then((response) => response.status)),
      );
      expect(statuses.filter((status) => status === 200)).toHaveLength(10);
      expect(statuses.filter((status) => status === 402)).toHaveLength(40);
      const key = (await credits(created.key)).usage_by_api_key[0]!;
      expect(key).toMatchObject({ spend_limit: '0.1000', spend_limit_period: 'day', period_spend: '0.1000', credit_usage: '0.1000' });
      const dayStart = new Date();
      dayStart.setUTCHours(0, 0, 0, 0);
      expect(key['period_start']).toBe(dayStart.toISOString());
      expect(key['period_resets_at']).toBe(new Date(dayStart.getTime() + 86_400_000).toISOString());
    });

    it('fifty concurrent requests where balance and key limit both bind: the lower one wins', async () => {
      // Balance for 20 images, the key's limit for 10; a second key of the account has no limit.
      const first = await createKey({ name: 'first', credits: 0.2, spend_limit: 0.1, spend_limit_period: 'week' });
      const second = await createKey({ name: 'second', account_id: first.account_id });
      const run = (key: string) =>
        Promise.all(Array.from({ length: 50 }, (_, index) => generate(key, { prompt: `q${index}` }).then((response) => response.status)));
      const [firstStatuses, secondStatuses] = await Promise.all([run(first.key), run(second.key)]);
      const ok = (statuses: number[]) => statuses.filter((status) => status === 200).length;
      expect(ok(firstStatuses)).toBeLessThanOrEqual(10);
      expect(ok(firstStatuses) + ok(secondStatuses)).toBe(20);
      expect((await credits(first.key)).remaining_credits).toBe('0.0000');
    });

    it('names the limit, its period and its reset in the 402, and frees the spend of a failed generation', async () => {
      const created = await createKey({ name: 'tight', spend_limit: 0.02, spend_limit_period: 'month' });
      expect((await generate(created.key, { prompt: '[[fail:503]] down' })).status).toBe(503);
      expect((await generate(created.key)).status).toBe(200);
      expect((await generate(created.key)).status).toBe(200);
      const refused = await generate(created.key);
      expect(refused.status).toBe(402);
      const now = new Date();
      const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      const body = (await refused.json()) as { error: { code: string; message: string; type: string } };
      expect(body.error).toMatchObject({ code: 'spend_limit_exceeded', type: 'insufficient_credits' });
      expect(body.error.message).toBe(
        `This API key's spend limit of $0.020000 per month would be exceeded: $0.020000 spent this month and this request needs $0.010000. The limit resets at ${nextMonth.toISOString()}.`,
      );
      // Raising the limit takes effect on the next request.
      expect((await admin('PATCH', `/v1/admin/keys/${created.id}`, { spend_limit: 0.03 })).status).toBe(200);
      expect((await generate(created.key)).status).toBe(200);
      const listed = await admin('GET', `/v1/admin/keys/${created.id}`);
      expect(listed.body['spend_limit']).toMatchObject({ limit_micros: 30_000, period: 'month', period_spend_micros: 30_000 });
    });

    it('limits requests per minute with 429, Retry-After and RateLimit headers', async () => {
      const created = await createKey({ name: 'rpm', requests_per_minute: 3 });
      const responses = [];
      for (let index = 0; index < 4; index += 1) responses.push(await generate(created.key, { prompt: `r${index}` }));
      expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 429]);
      expect(responses[0]!.headers.get('ratelimit-limit')).toBe('3');
      expect(responses.slice(0, 3).map((response) => response.headers.get('ratelimit-remaining'))).toEqual(['2', '1', '0']);
      expect(responses[0]!.headers.get('ratelimit-policy')).toBe('3;w=60');
      const refused = responses[3]!;
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(refused.headers.get('ratelimit-remaining')).toBe('0');
      expect(await refused.json()).toMatchObject({ error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' } });
      // A refused request is not charged and leaves no generation behind.
      const usage = (await credits(created.key)).usage_by_api_key.find((key) => key['api_key_id'] === created.id)!;
      expect(usage['total_requests']).toBe(3);
    });

    it('limits concurrent generations, async ones included, and frees the slot when one ends', async () => {
      const created = await createKey({ name: 'one-at-a-time', max_concurrent_generations: 1 });
      const started = await fetch(`${gateway.url}/v1/openai/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${created.key}`, 'content-type': 'application/json', prefer: 'respond-async' },
        body: JSON.stringify({ model: 'test/test', prompt: 'slow [[delay:1500]]', size: '64x64' }),
      });
      expect(started.status).toBe(202);
      const refused = await generate(created.key);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(await refused.json()).toMatchObject({ error: { code: 'concurrency_limit_exceeded' } });
      const { id } = (await started.json()) as { id: string };
      let status = 'processing';
      while (status === 'processing') {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const polled = await fetch(`${gateway.url}/v1/generations/${id}`, { headers: { authorization: `Bearer ${created.key}` } });
        status = ((await polled.json()) as { status: string }).status;
      }
      expect(status).toBe('success');
      expect((await generate(created.key)).status).toBe(200);
    });

    it('stops an expired key with a clear 401, and a key whose expiry moved into the past on the next request', async () => {
      const created = await createKey({ name: 'short-lived', expires_at: new Date(Date.now() + 3_600_000).toISOString() });
      expect((await generate(created.key)).status).toBe(200);
      const past = '2026-01-01T00:00:00.000Z';
      expect((await admin('PATCH', `/v1/admin/keys/${created.id}`, { expires_at: past })).body).toMatchObject({ expired: true });
      const refused = await generate(created.key);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({
        error: { code: 'expired_api_key', message: `This API key expired at ${past}. Ask your operator for a new one.` },
      });
      expect((await admin('PATCH', `/v1/admin/keys/${created.id}`, { expires_at: null })).status).toBe(200);
      expect((await generate(created.key)).status).toBe(200);
    });

    it('enforces scopes', async () => {
      const reader = await createKey({ name: 'reader', scopes: ['read'] });
      const refused = await generate(reader.key);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ error: { code: 'missing_scope', type: 'permission_error' } });
      expect((await fetch(`${gateway.url}/v1/credits`, { headers: { authorization: `Bearer ${reader.key}` } })).status).toBe(200);
      const generator = await createKey({ name: 'generator', scopes: ['generate'] });
      expect((await generate(generator.key)).status).toBe(200);
      expect((await fetch(`${gateway.url}/v1/credits`, { headers: { authorization: `Bearer ${generator.key}` } })).status).toBe(403);
      expect((await fetch(`${gateway.url}/v1/admin/keys`, { headers: { authorization: `Bearer ${generator.key}` } })).status).toBe(403);
    });

    it('rotates a key: the old secret stops at once, the id, limits and spend stay', async () => {
      const created = await createKey({ name: 'rotating', spend_limit: 1, spend_limit_period: 'day' });
      expect((await generate(created.key)).status).toBe(200);
      const rotated = await admin('POST', `/v1/admin/keys/${created.id}/rotate`);
      expect(rotated.status).toBe(200);
      const newKey = rotated.body['key'] as string;
      expect(newKey).not.toBe(created.key);
      expect((await generate(created.key)).status).toBe(401);
      expect((await generate(newKey)).status).toBe(200);
      expect((await admin('GET', `/v1/admin/keys/${created.id}`)).body['spend_limit']).toMatchObject({ period_spend_micros: 20_000 });
    });

    it('rejects bad limits naming the parameter', async () => {
      for (const [body, param] of [
        [{ name: 'x', spend_limit: -1 }, 'spend_limit'],
        [{ name: 'x', spend_limit: 1, spend_limit_period: 'year' }, 'spend_limit_period'],
        [{ name: 'x', requests_per_minute: 0 }, 'requests_per_minute'],
        [{ name: 'x', max_concurrent_generations: 1.5 }, 'max_concurrent_generations'],
        [{ name: 'x', expires_at: 'tomorrow' }, 'expires_at'],
        [{ name: 'x', scopes: ['everything'] }, 'scopes'],
      ] as const) {
        const response = await admin('POST', '/v1/admin/keys', body);
        expect(response.status, JSON.stringify(body)).toBe(400);
        expect((response.body['error'] as { param: string }).param).toBe(param);
      }
      expect((await admin('PATCH', '/v1/admin/keys/missing', { name: 'y' })).status).toBe(404);
    });

    it('changes the period of a limit alone, and refuses a period for a key without one', async () => {
      const limited = await createKey({ name: 'weekly', spend_limit: 0.5, spend_limit_period: 'week' });
      const moved = await admin('PATCH', `/v1/admin/keys/${limited.id}`, { spend_limit_period: 'day' });
      expect(moved.status).toBe(200);
      expect(moved.body['spend_limit']).toMatchObject({ limit_micros: 500_000, period: 'day' });

      const bare = await createKey({ name: 'no limit' });
      const refused = await admin('PATCH', `/v1/admin/keys/${bare.id}`, { name: 'renamed', spend_limit_period: 'day' });
      expect(refused.status).toBe(400);
      expect(refused.body['error']).toMatchObject({
        type: 'invalid_request_error',
        param: 'spend_limit_period',
        message: "This key has no spend limit: send 'spend_limit' with 'spend_limit_period'.",
      });
      const unchanged = await admin('GET', `/v1/admin/keys/${bare.id}`);
      expect(unchanged.body).toMatchObject({ name: 'no limit', spend_limit: null });
    });

    it('the openai SDK sees the 429 as a RateLimitError with the headers', async () => {
      const created = await createKey({ name: 'sdk', requests_per_minute: 1 });
      const client = new OpenAI({ apiKey: created.key, baseURL: `${gateway.url}/v1/openai`, maxRetries: 0 });
      await client.images.generate({ model: 'test/test', prompt: 'one', size: '256x256' });
      const error = await client.images.generate({ model: 'test/test', prompt: 'two', size: '256x256' }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers.get('ratelimit-limit')).toBe('1');
    });
  });
});
