import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics, type Metrics } from '../../../src/observability/metrics.js';
import { createRedisCircuitBreakers } from '../../../src/redis/redis-circuit-breakers.js';
import { createRedisConnection, type RedisConnection } from '../../../src/redis/redis-connection.js';
import { createRedisKeyRotation } from '../../../src/redis/redis-key-rotation.js';
import { createRedisLatencyTracker } from '../../../src/redis/redis-latency-tracker.js';
import { createCircuitBreakers, type CircuitBreakers } from '../../../src/routing/circuit-breaker.js';
import { createInMemoryKeyRotation } from '../../../src/routing/key-rotation.js';
import { createLatencyTracker } from '../../../src/routing/latency-tracker.js';
import { TEST_REDIS_URL, redisAvailable, removeRedisKeys, uniqueRedisPrefix } from '../../helpers/test-redis.js';

describe.skipIf(!redisAvailable)('router state in Redis, seen by two replicas', () => {
  const prefix = uniqueRedisPrefix();
  const now = { value: 1_000_000 };
  const clock = () => now.value;
  const options = { failureThreshold: 2, openMs: 1_000, clock };
  let metrics: Metrics;
  let first: RedisConnection;
  let second: RedisConnection;
  const breakersOf = (connection: RedisConnection): CircuitBreakers =>
    createRedisCircuitBreakers(connection, options, createCircuitBreakers(options));

  beforeAll(async () => {
    metrics = createMetrics({ defaultMetrics: false });
    first = await createRedisConnection({ url: TEST_REDIS_URL, prefix, metrics });
    second = await createRedisConnection({ url: TEST_REDIS_URL, prefix, metrics });
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
    await removeRedisKeys(prefix);
  });

  it('a breaker opened by failures on one replica is open on the other; one trial after the cool-down, across both', async () => {
    const a = breakersOf(first);
    const b = breakersOf(second);
    await a.failure('bfl#0');
    expect(await b.tryAcquire('bfl#0')).toBe(true);
    await b.failure('bfl#0');
    expect(await a.state('bfl#0')).toBe('open');
    expect(await a.tryAcquire('bfl#0')).toBe(false);
    expect(await b.tryAcquire('bfl#1')).toBe(true); // per key

    now.value += 1_000;
    expect(await b.state('bfl#0')).toBe('half_open');
    const trials = await Promise.all(Array.from({ length: 10 }, (_, index) => (index % 2 === 0 ? a : b).tryAcquire('bfl#0')));
    expect(trials.filter(Boolean)).toHaveLength(1);
    await a.failure('bfl#0'); // the trial failed: open again
    expect(await b.state('bfl#0')).toBe('open');

    now.value += 1_000;
    expect(await b.tryAcquire('bfl#0')).toBe(true);
    await b.release('bfl#0'); // a client abort gives the trial back
    expect(await a.tryAcquire('bfl#0')).toBe(true);
    await a.success('bfl#0');
    expect(await b.state('bfl#0')).toBe('closed');
    expect(await b.tryAcquire('bfl#0')).toBe(true);
  });

  it('latencies recorded on one replica order routes on the other (the same moving average as in process)', async () => {
    const a = createRedisLatencyTracker(first, createLatencyTracker());
    const b = createRedisLatencyTracker(second, createLatencyTracker());
    const reference = createLatencyTracker();
    for (const [tracker, ms] of [
      [a, 100],
      [b, 200],
      [a, 400],
    ] as const) {
      await tracker.record('x:m', ms);
      await reference.record('x:m', ms);
    }
    const estimates = await b.estimates(['x:m', 'never:m']);
    expect(estimates.get('x:m')).toBeCloseTo((await reference.estimates(['x:m'])).get('x:m')!, 9);
    expect(estimates.has('never:m')).toBe(false);
  });

  it('key rotation hands 40 concurrent calls on two replicas 40 distinct positions', async () => {
    const a = createRedisKeyRotation(first, createInMemoryKeyRotation());
    const b = createRedisKeyRotation(second, createInMemoryKeyRotation());
    const positions = await Promise.all(Array.from({ length: 40 }, (_, index) => (index % 2 === 0 ? a : b).next('openai')));
    expect([...positions].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, index) => index));
  });
});
