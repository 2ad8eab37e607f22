import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createInMemoryRateLimitStore } from '../../../src/accounts/in-memory-rate-limit-store.js';
import { createMetrics, type Metrics } from '../../../src/observability/metrics.js';
import { createRedisApiKeyCache } from '../../../src/redis/redis-api-key-cache.js';
import { createRedisConnection, REDIS_COMMAND_TIMEOUT_MS, type RedisConnection } from '../../../src/redis/redis-connection.js';
import { createRedisRateLimitStore } from '../../../src/redis/redis-rate-limit-store.js';
import { sendThenBlock } from '../../helpers/block-event-loop.js';
import { TEST_REDIS_URL, redisAvailable, removeRedisKeys, uniqueRedisPrefix } from '../../helpers/test-redis.js';

/**
 * A replica that was too busy to read Redis's answer in time (its event loop blocked, not Redis
 * slow) must still take that answer: counting in process instead would let every replica admit up
 * to the whole limit, exactly when load is high.
 */
describe.skipIf(!redisAvailable)('Redis answers that arrived while the event loop was blocked', () => {
  const prefix = uniqueRedisPrefix();
  let metrics: Metrics;
  let connection: RedisConnection;

  // A connection and counters per test: one test's fallback (or pause) must not decide the next one.
  beforeEach(async () => {
    metrics = createMetrics({ defaultMetrics: false });
    connection = await createRedisConnection({ url: TEST_REDIS_URL, prefix, metrics });
  });
  afterEach(async () => {
    await connection?.close();
  });
  afterAll(async () => {
    await removeRedisKeys(prefix);
  });

  const fallbacks = async () => (await metrics.registry.metrics()).match(/^imagerouter_redis_fallbacks_total\{.*$/gm) ?? [];

  it('a rate-limit decision is Redis’s, not a timeout served in process, and Redis is not skipped afterwards', async () => {
    const store = createRedisRateLimitStore(connection, createInMemoryRateLimitStore());
    // Counted in Redis: one allowed, so a second (from "another replica", the in-process store being empty) is refused.
    await store.hit('lagging', 1, 60_000, Date.now());
    const decision = await sendThenBlock(() => store.hit('lagging', 1, 60_000, Date.now()), REDIS_COMMAND_TIMEOUT_MS * 2);
    expect(decision.allowed).toBe(false);
    expect(await fallbacks()).toEqual([]);
    expect(connection.isUp()).toBe(true);
  });

  it('a key lookup reads the shared generation instead of failing over to the database and pausing Redis', async () => {
    const cache = await createRedisApiKeyCache(connection, { clock: Date.now });
    // Listening and up: the lookup reads the shared generation (a replica cut off would skip it).
    expect(cache.listening()).toBe(true);
    const load = async () => undefined;
    await cache.lookup('hash', load);
    await sendThenBlock(() => cache.lookup('hash', load), REDIS_COMMAND_TIMEOUT_MS * 2);
    expect(await fallbacks()).toEqual([]);
    expect(connection.isUp()).toBe(true);
  });
});
