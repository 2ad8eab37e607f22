import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withAdminServices } from '../../src/cli/admin-cli-context.js';
import { forEachDatabase } from '../helpers/test-databases.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';
import { TEST_REDIS_URL, redisAvailable, removeRedisKeys, uniqueRedisPrefix } from '../helpers/test-redis.js';

/** Two gateways ("replicas") over one database and one Redis, on each database. */
forEachDatabase((harness) => {
  describe.skipIf(!redisAvailable)('two replicas sharing Redis', () => {
    const prefix = uniqueRedisPrefix();
    let a: TestGateway;
    let b: TestGateway;
    let adminKey: string;
    let url: string;

    beforeAll(async () => {
      url = await harness.createEmptyDatabase();
      a = await startTestGateway({ DATABASE_URL: url, REDIS_URL: TEST_REDIS_URL, IMAGEROUTER_REDIS_PREFIX: prefix });
      b = await startTestGateway({ DATABASE_URL: url, REDIS_URL: TEST_REDIS_URL, IMAGEROUTER_REDIS_PREFIX: prefix });
      adminKey = await a.createKey({ admin: true, name: 'admin' });
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await removeRedisKeys(prefix);
    });

    const createKey = async (gateway: TestGateway, body: Record<string, unknown>) => {
      const response = await fetch(`${gateway.url}/v1/admin/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(201);
      return (await response.json()) as { id: string; key: string };
    };
    const generate = (gateway: TestGateway, key: string) =>
      fetch(`${gateway.url}/v1/openai/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'test/test', prompt: 'a lighthouse', size: '64x64', response_format: 'b64_ephemeral' }),
      });

    it('both report Redis in /ready', async () => {
      for (const gateway of [a, b]) {
        const response = await fetch(`${gateway.url}/ready`);
        expect(response.status).toBe(200);
        expect(await response.json()).toMatchObject({ status: 'ready', redis: 'ok' });
      }
    });

    it('a per-key limit of 10 per minute holds across both: 24 requests, alternating, 10 let in', async () => {
      const created = await createKey(a, { name: 'rpm', requests_per_minute: 10 });
      const responses = await Promise.all(Array.from({ length: 24 }, (_, index) => generate(index % 2 === 0 ? a : b, created.key)));
      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((status) => status === 200)).toHaveLength(10);
      expect(statuses.filter((status) => status === 429)).toHaveLength(14);
      const refused = responses.find((response) => response.status === 429)!;
      expect(refused.headers.get('ratelimit-remaining')).toBe('0');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    });

    it('a key revoked on one replica is refused by the other on its next request', async () => {
      const created = await createKey(a, { name: 'to-revoke' });
      // Used on b first, so b has it cached.
      expect((await generate(b, created.key)).status).toBe(200);
      expect((await generate(b, created.key)).status).toBe(200);
      const revoked = await fetch(`${a.url}/v1/admin/keys/${created.id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${adminKey}` },
      });
      expect(revoked.status).toBeLessThan(300);
      const next = await generate(b, created.key);
      expect(next.status).toBe(401);
    });

    it('a key revoked with the operator CLI is refused by both on their next request', async () => {
      const created = await createKey(a, { name: 'revoked-by-cli' });
      expect((await generate(a, created.key)).status).toBe(200);
      expect((await generate(b, created.key)).status).toBe(200);
      const env = { DATABASE_URL: url, REDIS_URL: TEST_REDIS_URL, IMAGEROUTER_REDIS_PREFIX: prefix, IMAGEROUTER_DATA_DIR: a.dataDir };
      expect(await withAdminServices(env, (services) => services.keys.revoke(created.id))).toBe(true);
      expect((await generate(a, created.key)).status).toBe(401);
      expect((await generate(b, created.key)).status).toBe(401);
    });

    it('a key whose limits change on one replica gets the new limits on the other', async () => {
      const created = await createKey(a, { name: 'tightened' });
      expect((await generate(b, created.key)).status).toBe(200);
      const patched = await fetch(`${a.url}/v1/admin/keys/${created.id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ requests_per_minute: 1 }),
      });
      expect(patched.status).toBe(200);
      expect((await generate(b, created.key)).status).toBe(200);
      expect((await generate(b, created.key)).status).toBe(429);
    });
  });
});
