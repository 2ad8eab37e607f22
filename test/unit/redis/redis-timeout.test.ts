import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInMemoryRateLimitStore } from '../../../src/accounts/in-memory-rate-limit-store.js';
import { createMetrics, type Metrics } from '../../../src/observability/metrics.js';
import { createRedisConnection, type RedisConnection } from '../../../src/redis/redis-connection.js';
import { createRedisRateLimitStore } from '../../../src/redis/redis-rate-limit-store.js';
import { redisServerAvailable, startOwnRedisServer, type OwnRedisServer } from '../../helpers/test-redis.js';

/** A Redis that is connected but does not answer (CLIENT PAUSE): commands time out and the fallback serves. */
describe.skipIf(!redisServerAvailable)('Redis that stops answering', () => {
  let server: OwnRedisServer;
  let metrics: Metrics;
  let connection: RedisConnection;

  beforeAll(async () => {
    server = await startOwnRedisServer();
    metrics = createMetrics({ defaultMetrics: false });
    connection = await createRedisConnection({ url: server.url, metrics });
  });
  afterAll(async () => {
    await connection?.close();
    await server?.stop();
  });

  it('serves in process after a timeout and skips Redis for a moment instead of timing out on every operation', async () => {
    const store = createRedisRateLimitStore(connection, createInMemoryRateLimitStore());
    expect((await store.hit('k', 5, 60_000, Date.now())).allowed).toBe(true);
    expect(connection.isUp()).toBe(true);
    const admin = new Redis(server.url);
    await admin.call('CLIENT', 'PAUSE', '3000', 'ALL');
    admin.disconnect();
    expect((await store.hit('k', 5, 60_000, Date.now())).allowed).toBe(true); // timed out, then counted in process
    expect(connection.isUp()).toBe(false);
    expect((await store.hit('k', 5, 60_000, Date.now())).allowed).toBe(true); // not sent at all
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^imagerouter_redis_fallbacks_total\{operation="rate_limit"\} 2$/m);
    expect(text).toMatch(/^imagerouter_redis_up 1$/m); // connected all along: only skipped
  });
});
