import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInMemoryRateLimitStore } from '../../../src/accounts/in-memory-rate-limit-store.js';
import type { RateLimitStore } from '../../../src/accounts/rate-limit-store.js';
import { createMetrics, type Metrics } from '../../../src/observability/metrics.js';
import { createRedisConnection, type RedisConnection } from '../../../src/redis/redis-connection.js';
import { createRedisRateLimitStore } from '../../../src/redis/redis-rate-limit-store.js';
import { TEST_REDIS_URL, redisAvailable, removeRedisKeys, uniqueRedisPrefix } from '../../helpers/test-redis.js';

describe.skipIf(!redisAvailable)('Redis rate-limit store', () => {
  const prefix = uniqueRedisPrefix();
  const opened: RedisConnection[] = [];
  let metrics: Metrics;
  /** One "replica": its own connection and its own in-process fallback. */
  const replica = async (slotTtlMs?: number): Promise<{ store: RateLimitStore; connection: RedisConnection }> => {
    const connection = await createRedisConnection({ url: TEST_REDIS_URL, prefix, metrics });
    opened.push(connection);
    return { store: createRedisRateLimitStore(connection, createInMemoryRateLimitStore(), slotTtlMs), connection };
  };
  let a: RateLimitStore;
  let b: RateLimitStore;

  beforeAll(async () => {
    metrics = createMetrics({ defaultMetrics: false });
    a = (await replica()).store;
    b = (await replica()).store;
  });
  afterAll(async () => {
    await Promise.all(opened.map((connection) => connection.close()));
    await removeRedisKeys(prefix);
  });

  it('counts a sliding window across replicas and refuses past the limit with the time to retry', async () => {
    const hits = [];
    for (let index = 0; index < 4; index += 1) hits.push(await (index % 2 === 0 ? a : b).hit('window', 3, 60_000, Date.now()));
    expect(hits.map((hit) => hit.allowed)).toEqual([true, true, true, false]);
    expect(hits.map((hit) => hit.remaining)).toEqual([2, 1, 0, 0]);
    expect(hits[3]!.resetMs).toBeGreaterThan(59_000);
    expect(hits[3]!.resetMs).toBeLessThanOrEqual(60_000);
  });

  it('grants exactly the limit to 60 concurrent hits from two replicas', async () => {
    const decisions = await Promise.all(
      Array.from({ length: 60 }, (_, index) => (index % 2 === 0 ? a : b).hit('burst', 10, 60_000, Date.now())),
    );
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(10);
  });

  it('hitAndAcquire: one decision for both limits, a slot only for a counted request, exact across replicas', async () => {
    const both = (index: number) =>
      (index % 2 === 0 ? a : b).hitAndAcquire(
        { subject: 'both-window', limit: 8, windowMs: 60_000, now: Date.now() },
        { subject: 'both-slots', max: 3 },
      );
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, index) => both(index)));
    expect(outcomes.filter((outcome) => outcome.decision.allowed)).toHaveLength(8);
    expect(outcomes.filter((outcome) => outcome.slot !== undefined)).toHaveLength(3);
    // Refused by the window: never holding a slot.
    expect(outcomes.filter((outcome) => !outcome.decision.allowed && outcome.slot !== undefined)).toHaveLength(0);
    for (const outcome of outcomes) outcome.slot?.release();
    // The released slots are free again (the window still has no room for this subject, so use another).
    await expect
      .poll(async () => {
        const next = await a.hitAndAcquire(
          { subject: 'both-window-2', limit: 8, windowMs: 60_000, now: Date.now() },
          { subject: 'both-slots', max: 3 },
        );
        next.slot?.release();
        return next.slot !== undefined;
      })
      .toBe(true);
  });

  it('lets a request in again once the oldest leaves the window', async () => {
    expect((await a.hit('short', 1, 200, Date.now())).allowed).toBe(true);
    expect((await b.hit('short', 1, 200, Date.now())).allowed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await b.hit('short', 1, 200, Date.now())).allowed).toBe(true);
  });

  it('grants exactly max of 40 concurrent acquires from two replicas, and a released slot is taken again', async () => {
    const slots = await Promise.all(Array.from({ length: 40 }, (_, index) => (index % 2 === 0 ? a : b).acquire('running', 5)));
    const granted = slots.filter((slot) => slot !== undefined);
    expect(granted).toHaveLength(5);
    expect(await a.acquire('running', 5)).toBeUndefined();
    granted[0]!.release();
    granted[0]!.release(); // twice gives back once
    let again = await b.acquire('running', 5);
    while (again === undefined) again = await b.acquire('running', 5); // the release is sent without waiting
    expect(await a.acquire('running', 5)).toBeUndefined();
    for (const slot of [...granted, again]) slot?.release();
  });

  it("frees a crashed replica's slots once their ttl passes, while a live holder's renewals keep its slot", async () => {
    const crashed = await replica(300);
    const live = await replica(300);
    const dead = await crashed.store.acquire('crash', 2);
    const held = await live.store.acquire('crash', 2);
    expect(dead).toBeDefined();
    expect(held).toBeDefined();
    expect(await a.acquire('crash', 2)).toBeUndefined();
    await crashed.connection.close(); // no release, no renewals: as if the process died
    let taken = await a.acquire('crash', 2);
    while (taken === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      taken = await a.acquire('crash', 2);
    }
    // Well past the ttl, the live one's slot is still counted: the set is full.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(await b.acquire('crash', 2)).toBeUndefined();
    held?.release();
    taken.release();
  });
});
