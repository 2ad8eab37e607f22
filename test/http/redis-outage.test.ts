import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';
import { redisServerAvailable, startOwnRedisServer, type OwnRedisServer } from '../helpers/test-redis.js';

/** A Redis of the test's own, stopped while the gateway serves, then started again. */
describe.skipIf(!redisServerAvailable)('Redis stopped mid-run', () => {
  let redis: OwnRedisServer;
  let gateway: TestGateway;
  let limitedKey: string;

  beforeAll(async () => {
    redis = await startOwnRedisServer();
    gateway = await startTestGateway({ REDIS_URL: redis.url });
    const admin = await gateway.createKey({ admin: true, name: 'admin' });
    const response = await fetch(`${gateway.url}/v1/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      // Limited, so every request goes through the rate limiter and the concurrency slots.
      body: JSON.stringify({ name: 'limited', requests_per_minute: 1000, max_concurrent_generations: 5 }),
    });
    limitedKey = ((await response.json()) as { key: string }).key;
  });
  afterAll(async () => {
    await gateway?.close();
    await redis?.stop();
  });

  const generate = () =>
    fetch(`${gateway.url}/v1/openai/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${limitedKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'test/test', prompt: 'a lighthouse', size: '64x64', response_format: 'b64_ephemeral' }),
    });
  const ready = async () => {
    const response = await fetch(`${gateway.url}/ready`);
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
    await until(async () => (await ready()).body['status'] === 'degraded');
    expect(await ready()).toEqual({ status: 200, body: expect.objectContaining({ status: 'degraded', redis: 'degraded' }) });
    const statuses = await Promise.all(Array.from({ length: 4 }, () => generate().then((response) => response.status)));
    expect(statuses).toEqual([200, 200, 200, 200]);
    const down = await metrics();
    expect(down).toMatch(/^imagerouter_redis_up 0$/m);
    expect(down).toMatch(/^imagerouter_redis_fallbacks_total\{operation="rate_limit"\} [1-9]\d*$/m);
    expect(down).toMatch(/^imagerouter_redis_fallbacks_total\{operation="concurrency"\} [1-9]\d*$/m);

    await redis.start(); // empty: no persistence
    await until(async () => (await ready()).body['status'] === 'ready');
    expect((await generate()).status).toBe(200);
    expect(await rateLimitKeys()).toHaveLength(1);
    expect(await metrics()).toMatch(/^imagerouter_redis_up 1$/m);
  });
});
