import { z } from 'zod';
import { LATENCY_SMOOTHING, type LatencyTracker } from '../routing/latency-tracker.js';
import type { RedisConnection } from './redis-connection.js';
import { redisOrLocal } from './redis-or-local.js';
import { defineRedisScript } from './redis-script.js';

/** KEYS[1] the hash of averages; ARGV route key, duration, smoothing. The same average as in process, read and written at once. */
const RECORD = defineRedisScript(
  `local previous = tonumber(redis.call('HGET', KEYS[1], ARGV[1]))
local sample = tonumber(ARGV[2])
local average = sample
if previous then average = previous + tonumber(ARGV[3]) * (sample - previous) end
redis.call('HSET', KEYS[1], ARGV[1], tostring(average))
return 1`,
  z.number(),
);

const averagesReply = z.array(z.string().nullable());

/** Recent latency per route measured by every replica, for `fastest`. While Redis is down each replica uses its own. */
export function createRedisLatencyTracker(connection: RedisConnection, local: LatencyTracker): LatencyTracker {
  const { client } = connection;
  const key = `${connection.prefix}latency`;
  return {
    async record(routeKey, durationMs) {
      // The local one keeps learning too, so a fallback starts from recent numbers.
      await local.record(routeKey, durationMs);
      await redisOrLocal(
        connection,
        'latency',
        async () => {
          await RECORD.run(client, [key], [routeKey, durationMs, LATENCY_SMOOTHING]);
        },
        async () => undefined,
      );
    },
    estimates: (routeKeys) =>
      redisOrLocal(
        connection,
        'latency',
        async () => {
          const found = new Map<string, number>();
          if (routeKeys.length === 0) return found;
          const averages = averagesReply.parse(await client.hmget(key, ...routeKeys));
          routeKeys.forEach((routeKey, index) => {
            const average = averages[index];
            if (average !== null && average !== undefined) found.set(routeKey, Number(average));
          });
          return found;
        },
        () => local.estimates(routeKeys),
      ),
  };
}
