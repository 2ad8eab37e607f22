import { z } from 'zod';
import type { BreakerPhase, CircuitBreakerOptions, CircuitBreakers } from '../routing/circuit-breaker.js';
import type { RedisConnection } from './redis-connection.js';
import { redisOrLocal } from './redis-or-local.js';
import { defineRedisScript } from './redis-script.js';

/** A breaker untouched this long is forgotten (it would be closed by then anyway). */
const STATE_TTL_MS = 86_400_000;

/**
 * One hash per upstream key: `failures`, `openedAt`, `trialUntil` (a half-open trial is reserved
 * until then, so a replica that died mid-trial holds it at most `openMs`). KEYS[1] the hash;
 * ARGV now, openMs. Returns 1 when a call may go.
 */
const TRY_ACQUIRE = defineRedisScript(
  `local state = redis.call('HMGET', KEYS[1], 'openedAt', 'trialUntil')
local openedAt = tonumber(state[1])
if not openedAt then return 1 end
local now = tonumber(ARGV[1])
local openMs = tonumber(ARGV[2])
if now - openedAt < openMs then return 0 end
local trialUntil = tonumber(state[2])
if trialUntil and trialUntil > now then return 0 end
redis.call('HSET', KEYS[1], 'trialUntil', now + openMs)
return 1`,
  z.number(),
);

/** KEYS[1] the hash; ARGV now, failureThreshold, ttl. One more failure; opens (again) at the threshold or after a trial. */
const FAILURE = defineRedisScript(
  `local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
redis.call('HDEL', KEYS[1], 'trialUntil')
if redis.call('HEXISTS', KEYS[1], 'openedAt') == 1 or failures >= tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'openedAt', ARGV[1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return failures`,
  z.number(),
);

const stateReply = z.tuple([z.string().nullable(), z.string().nullable()]);

/**
 * The breakers of `routing/circuit-breaker.ts` shared by every replica, so one replica's failures
 * open the circuit for all. While Redis is down each replica uses its own (`local`).
 */
export function createRedisCircuitBreakers(
  connection: RedisConnection,
  options: CircuitBreakerOptions,
  local: CircuitBreakers,
): CircuitBreakers {
  const { client, prefix } = connection;
  const keyOf = (key: string) => `${prefix}breaker:${key}`;
  return {
    tryAcquire: (key) =>
      redisOrLocal(
        connection,
        'breaker',
        async () => (await TRY_ACQUIRE.run(client, [keyOf(key)], [options.clock(), options.openMs])) === 1,
        () => local.tryAcquire(key),
      ),
    success: (key) =>
      redisOrLocal(
        connection,
        'breaker',
        async () => {
          await client.del(keyOf(key));
        },
        () => local.success(key),
      ),
    failure: (key) =>
      redisOrLocal(
        connection,
        'breaker',
        async () => {
          await FAILURE.run(client, [keyOf(key)], [options.clock(), options.failureThreshold, STATE_TTL_MS]);
        },
        () => local.failure(key),
      ),
    release: (key) =>
      redisOrLocal(
        connection,
        'breaker',
        async () => {
          await client.hdel(keyOf(key), 'trialUntil');
        },
        () => local.release(key),
      ),
    state: (key) =>
      redisOrLocal(
        connection,
        'breaker',
        async (): Promise<BreakerPhase> => {
          const [openedAt] = stateReply.parse(await client.hmget(keyOf(key), 'openedAt', 'trialUntil'));
          if (openedAt === null) return 'closed';
          return options.clock() - Number(openedAt) >= options.openMs ? 'half_open' : 'open';
        },
        () => local.state(key),
      ),
  };
}
