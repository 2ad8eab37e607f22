import { z } from 'zod';
import type { ModelUsageCount } from '../catalog/popular-models.js';
import type { RedisConnection } from './redis-connection.js';
import { redisOrLocal } from './redis-or-local.js';

/** How long the replicas share one count of the last 7 days before one of them counts again. */
export const POPULAR_COUNTS_TTL_MS = 60_000;

const countsSchema = z.array(z.object({ model: z.string(), count: z.number().int().nonnegative() }));

/**
 * The popular-model counts (a GROUP BY over a week of generations) counted by one replica and
 * shared by all for a minute, instead of counted on every request by every replica.
 */
export function createRedisPopularCounts(
  connection: RedisConnection,
  count: () => Promise<ModelUsageCount[]>,
  ttlMs = POPULAR_COUNTS_TTL_MS,
): () => Promise<ModelUsageCount[]> {
  const key = `${connection.prefix}popular-model-counts`;
  return async () => {
    const cached = await redisOrLocal(
      connection,
      'popular_counts',
      async () => {
        const text = await connection.client.get(key);
        return text === null ? undefined : countsSchema.parse(JSON.parse(text));
      },
      async () => undefined,
    );
    if (cached !== undefined) return cached;
    const counts = await count();
    if (connection.isUp()) {
      await connection.client
        .set(key, JSON.stringify(counts), 'PX', ttlMs)
        .catch((error: unknown) => connection.fellBack('popular_counts', error));
    }
    return counts;
  };
}
