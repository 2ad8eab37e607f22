import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';
import { redisServerAvailable, startOwnRedisServer, type OwnRedisServer } from '../helpers/test-redis.js';

/** A Redis of the test's own, stopped while the gateway serves, then started again. */
describe.skipIf(!redisServerAvailable)('Redis stopped mid-run', () => {
  let redis: OwnRedisServer;
  let gateway: TestGateway;
  /** A second replica over the same database and Redis. */
  let other: TestGateway;
  let databaseDir: string;
  let admin: string;
  let limitedKey: string;

  const createKey = async (body: Record<string, unknown>) => {
    const response = await fetch(`${gateway.url}/v1/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await response.json()) as { id: string; key: string };
  };

  beforeAll(async () => {
    redis = await startOwnRedisServer();
    databaseDir = await mkdtemp(path.join(tmpdir(), 'imagerouter-redis-outage-'));
    const env = { REDIS_URL: redis.url, DATABASE_URL: `sqlite:${path.join(databaseDir, 'shared.db')}` };
    gateway = await startTestGateway(env);
    other = await startTestGateway(env);
    admin = await gateway.createKey({ admin: true, name: 'admin' });
    // Limited, so every request goes through the rate limiter and the concurrency slots.
    limitedKey = (await createKey({ name: 'limited', requests_per_minute: 1000, max_concurrent_generations: 5 })).key;
  });
  afterAll(async () => {
    await gateway?.close();
    await other?.close();
    await redis?.stop();
    if (databaseDir) await rm(databaseDir, { recursive: true, force: true });
  });

  const generate = (key = limitedKey, on: TestGateway = gateway) =>
    fetch(`${on.url}/v1/openai/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'test/test', prompt: 'a lighthouse', size: '64x64', response_format: 'b64_ephemeral' }),
    });
  const ready = async (on: TestGateway = gateway) => {
    const response = await fetch(`${on.url}/ready`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const metrics = async () => (await fetch(`${gateway.url}/metrics`)).text();
  const until = async (condition: () => Promise<boolean>) => {
    while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 50));
  };
  const rateLimitKeys = async () => {
    const client = new Redis(redis.url);
    try {
      return await client.keys('imagerouter:rl:*');
    } finally {
      client.disconnect();
    }
  };

  it('keeps serving with in-process limits, says degraded in /ready and metrics, and recovers when Redis returns', async () => {
    expect(await ready()).toEqual({ status: 200, body: expect.objectContaining({ status: 'ready', redis: 'ok' }) });
    expect((await generate()).status).toBe(200);
    expect(await rateLimitKeys()).toHaveLength(1);
    expect(await metrics()).toMatch(/^imagerouter_redis_up 1$/m);

    await redis.stop();
    await until(async () => (await ready()).body['status'] === 'degraded' && (await ready(other)).body['status'] === 'degraded');
    expect(await ready()).toEqual({ status: 200, body: expect.objectContaining({ status: 'degraded', redis: 'degraded' }) });
    const statuses = await Promise.all(Array.from({ length: 4 }, () => generate().then((response) => response.status)));
    expect(statuses).toEqual([200, 200, 200, 200]);
    // No channel to hear revocations on: the other replica reads keys from the database, so a key
    // revoked here is refused there on its next request all the same.
    const revocable = await createKey({ name: 'revoked-during-outage' });
    expect((await generate(revocable.key, other)).status).toBe(200);
    const revoked = await fetch(`${gateway.url}/v1/admin/keys/${revocable.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(revoked.status).toBeLessThan(300);
    expect((await generate(revocable.key, other)).status).toBe(401);
    const down = await metrics();
    expect(down).toMatch(/^imagerouter_redis_up 0$/m);
    // A key with both limits takes its window hit and its slot in one call (`hitAndAcquire`), counted as `rate_limit`.
    expect(down).toMatch(/^imagerouter_redis_fallbacks_total\{operation="rate_limit"\} [1-9]\d*$/m);

    await redis.start(); // empty: no persistence
    await until(async () => (await ready()).body['status'] === 'ready' && (await ready(other)).body['status'] === 'ready');
    expect((await generate()).status).toBe(200);
    expect(await rateLimitKeys()).toHaveLength(1);
    expect(await metrics()).toMatch(/^imagerouter_redis_up 1$/m);
  });
});
