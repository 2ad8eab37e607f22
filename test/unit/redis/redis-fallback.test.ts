import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInMemoryRateLimitStore } from '../../../src/accounts/in-memory-rate-limit-store.js';
import { createMetrics, type Metrics } from '../../../src/observability/metrics.js';
import { createRedisConnection, type RedisConnection } from '../../../src/redis/redis-connection.js';
import { createRedisRateLimitStore } from '../../../src/redis/redis-rate-limit-store.js';
import { createRedisKeyRotation } from '../../../src/redis/redis-key-rotation.js';
import { createInMemoryKeyRotation } from '../../../src/routing/key-rotation.js';

/** A port nothing listens on: taken, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('Redis unreachable', () => {
  let metrics: Metrics;
  let connection: RedisConnection;

  beforeAll(async () => {
    metrics = createMetrics({ defaultMetrics: false });
    connection = await createRedisConnection({ url: `redis://127.0.0.1:${await closedPort()}`, metrics });
  });
  afterAll(async () => {
    await connection?.close();
  });

  it('serves every operation in process, counts the fallbacks and reports Redis down', async () => {
    expect(connection.isUp()).toBe(false);
    const store = createRedisRateLimitStore(connection, createInMemoryRateLimitStore());
    const decisions = [];
    for (let index = 0; index < 3; index += 1) decisions.push((await store.hit('k', 2, 60_000, Date.now())).allowed);
    expect(decisions).toEqual([true, true, false]);
    const slot = await store.acquire('k', 1);
    expect(slot).toBeDefined();
    expect(await store.acquire('k', 1)).toBeUndefined();
    slot?.release();
    expect(await store.acquire('k', 1)).toBeDefined();
    const rotation = createRedisKeyRotation(connection, createInMemoryKeyRotation());
    expect([await rotation.next('i'), await rotation.next('i')]).toEqual([0, 1]);

    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^imagerouter_redis_up 0$/m);
    expect(text).toMatch(/^imagerouter_redis_fallbacks_total\{operation="rate_limit"\} 3$/m);
    expect(text).toMatch(/^imagerouter_redis_fallbacks_total\{operation="concurrency"\} 3$/m);
    expect(text).toMatch(/^imagerouter_redis_fallbacks_total\{operation="key_rotation"\} 2$/m);
  });
});
