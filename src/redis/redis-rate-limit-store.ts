import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ConcurrencySlot, RateLimitStore, WindowDecision } from '../accounts/rate-limit-store.js';
import type { RedisConnection } from './redis-connection.js';
import { redisOrLocal } from './redis-or-local.js';
import { defineRedisScript } from './redis-script.js';

/**
 * A held slot lives this long in Redis unless renewed: the slots of a replica that crashed free
 * themselves within it. A live holder renews it every third of it.
 */
export const SLOT_TTL_MS = 30_000;

// Redis's own clock, not each replica's: skewed replicas must not stretch or shrink the window.
const REDIS_NOW_MS = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * The two decisions as Lua functions, so the scripts below (one decision, or both in one round
 * trip) share one definition of each.
 * `hit`: the sliding log of the in-process store, as a sorted set (score: the time of a counted
 * request); returns allowed (0/1), counted, oldest. `acquire`: running slots as a sorted set
 * (member: the slot, score: when it expires), expired slots dropped first; returns 1 when taken.
 */
const DECISIONS = `${REDIS_NOW_MS}
local function hit(key, limit, window, member)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local counted = redis.call('ZCARD', key)
  local allowed = 0
  if counted < limit then
    redis.call('ZADD', key, now, member)
    counted = counted + 1
    allowed = 1
  end
  redis.call('PEXPIRE', key, window)
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2]
  return allowed, counted, tonumber(oldest or now)
end
local function acquire(key, max, slot, ttl)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if redis.call('ZCARD', key) >= max then return 0 end
  redis.call('ZADD', key, now + ttl, slot)
  redis.call('PEXPIRE', key, ttl)
  return 1
end`;

/** KEYS[1] the log; ARGV limit, windowMs, a unique member. Returns {allowed, counted, oldest, now}. */
const HIT = defineRedisScript(
  `${DECISIONS}
local allowed, counted, oldest = hit(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3])
return {allowed, counted, oldest, now}`,
  z.tuple([z.number(), z.number(), z.number(), z.number()]),
);

/** KEYS[1] the set; ARGV max, slot id, ttlMs. Returns 1 when taken, else 0. */
const ACQUIRE = defineRedisScript(
  `${DECISIONS}
return acquire(KEYS[1], tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]))`,
  z.number(),
);

/**
 * HIT then, only if the request was counted, ACQUIRE: one round trip for a key with both limits.
 * KEYS[1] the log, KEYS[2] the slots; ARGV limit, windowMs, member, max, slot id, ttlMs.
 * Returns {allowed, counted, oldest, now, taken}.
 */
const HIT_AND_ACQUIRE = defineRedisScript(
  `${DECISIONS}
local allowed, counted, oldest = hit(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3])
local taken = 0
if allowed == 1 then taken = acquire(KEYS[2], tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6])) end
return {allowed, counted, oldest, now, taken}`,
  z.tuple([z.number(), z.number(), z.number(), z.number(), z.number()]),
);

/** Pushes a held slot's expiry out (adding it back if it expired while Redis was away: it still runs). */
const RENEW = defineRedisScript(
  `${REDIS_NOW_MS}
local ttl = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
local expires = redis.call('PTTL', KEYS[1])
if expires < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1`,
  z.number(),
);

/**
 * Request and concurrency counts shared by every replica, each decision one atomic script. While
 * Redis is down each replica counts in process (`local`): limits then hold per replica only.
 */
export function createRedisRateLimitStore(connection: RedisConnection, local: RateLimitStore, slotTtlMs = SLOT_TTL_MS): RateLimitStore {
  const { client, prefix } = connection;
  return {
    hit: (subject, limit, windowMs, now) =>
      redisOrLocal(
        connection,
        'rate_limit',
        async () => windowDecision({ limit, windowMs }, await HIT.run(client, [`${prefix}rl:${subject}`], [limit, windowMs, randomUUID()])),
        () => local.hit(subject, limit, windowMs, now),
      ),
    acquire: (subject, max) =>
      redisOrLocal(
        connection,
        'concurrency',
        async (): Promise<ConcurrencySlot | undefined> => {
          const key = `${prefix}slots:${subject}`;
          const slot = randomUUID();
          const taken = await ACQUIRE.run(client, [key], [max, slot, slotTtlMs]);
          return taken === 1 ? heldSlot(connection, key, slot, slotTtlMs) : undefined;
        },
        () => local.acquire(subject, max),
      ),
    hitAndAcquire: (window, slots) =>
      redisOrLocal(
        connection,
        'rate_limit',
        async () => {
          const slotsKey = `${prefix}slots:${slots.subject}`;
          const slot = randomUUID();
          const [allowed, counted, oldest, redisNow, taken] = await HIT_AND_ACQUIRE.run(
            client,
            [`${prefix}rl:${window.subject}`, slotsKey],
            [window.limit, window.windowMs, randomUUID(), slots.max, slot, slotTtlMs],
          );
          return {
            decision: windowDecision(window, [allowed, counted, oldest, redisNow]),
            slot: taken === 1 ? heldSlot(connection, slotsKey, slot, slotTtlMs) : undefined,
          };
        },
        () => local.hitAndAcquire(window, slots),
      ),
  };
}

/** What the window part of HIT (or HIT_AND_ACQUIRE) answered, as the in-process store says it. */
function windowDecision(
  window: { limit: number; windowMs: number },
  [allowed, counted, oldest, redisNow]: readonly [number, number, number, number],
): WindowDecision {
  return {
    allowed: allowed === 1,
    limit: window.limit,
    remaining: Math.max(0, window.limit - counted),
    resetMs: Math.max(0, oldest + window.windowMs - redisNow),
  };
}

function heldSlot(connection: RedisConnection, key: string, slot: string, ttlMs: number): ConcurrencySlot {
  const renew = setInterval(() => {
    RENEW.run(connection.client, [key], [slot, ttlMs]).catch((error: unknown) => connection.fellBack('concurrency_renew', error));
  }, ttlMs / 3);
  renew.unref();
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      clearInterval(renew);
      // Unreachable now: the slot expires by itself within its ttl.
      connection.client.zrem(key, slot).catch((error: unknown) => connection.fellBack('concurrency_release', error));
    },
  };
}
