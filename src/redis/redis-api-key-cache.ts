import { createLocalApiKeyCache, type ApiKeyCache } from '../accounts/api-key-cache.js';
import type { RedisConnection } from './redis-connection.js';

/**
 * How long a replica trusts a cached key lookup: the bound on staleness if an invalidation is lost
 * in a way the subscription cannot notice (it notices a dropped connection and clears the cache).
 */
export const API_KEY_CACHE_TTL_MS = 10_000;

/**
 * Each replica caches key lookups in process; a change to a key is published on a channel, and
 * every replica drops the key as the message arrives. The message may still be in flight when the
 * next request reaches another replica, so a change also bumps a shared generation number before
 * it is published, and a cached lookup is used only while that number is unchanged (one GET, much
 * cheaper than the database): a revoked key fails everywhere on its next request, strictly. While
 * this replica is not subscribed (Redis down) or can't read the number, it caches nothing.
 */
export async function createRedisApiKeyCache(
  connection: RedisConnection,
  options: { clock: () => number; ttlMs?: number },
): Promise<ApiKeyCache & { listening(): boolean }> {
  const local = createLocalApiKeyCache({ clock: options.clock, ttlMs: options.ttlMs ?? API_KEY_CACHE_TTL_MS });
  const channel = apiKeyChannel(connection);
  const subscription = await connection.subscribe(channel, { onMessage: (apiKeyId) => local.drop(apiKeyId), onLost: () => local.clear() });
  const generationKey = apiKeyGenerationKey(connection);
  let seenGeneration: string | null | undefined;
  return {
    listening: () => subscription.listening(),
    async lookup(tokenHash, load) {
      if (!subscription.listening() || !connection.isUp()) return load();
      let generation: string | null;
      try {
        generation = await connection.withinDeadline(connection.client.get(generationKey));
      } catch (error) {
        connection.fellBack('api_key_cache', error);
        return load();
      }
      if (generation !== seenGeneration) {
        // Some key changed since this replica last looked: whatever it cached may be stale.
        local.clear();
        seenGeneration = generation;
      }
      return local.lookup(tokenHash, load);
    },
    async invalidate(apiKeyId) {
      local.drop(apiKeyId);
      await publishKeyChange(connection, apiKeyId);
    },
  };
}

/**
 * For a process that changes keys but serves no requests (the operator CLI): no cache of its own,
 * but its revocations reach the running replicas.
 */
export function createApiKeyChangePublisher(connection: RedisConnection): ApiKeyCache {
  return { lookup: (_tokenHash, load) => load(), invalidate: (apiKeyId) => publishKeyChange(connection, apiKeyId) };
}

const apiKeyChannel = (connection: RedisConnection) => `${connection.prefix}api-key-changed`;
const apiKeyGenerationKey = (connection: RedisConnection) => `${connection.prefix}api-key-generation`;

async function publishKeyChange(connection: RedisConnection, apiKeyId: string): Promise<void> {
  try {
    // The number first: once the change's caller has its answer, no replica trusts an older lookup.
    await connection.withinDeadline(connection.client.incr(apiKeyGenerationKey(connection)));
    await connection.withinDeadline(connection.client.publish(apiKeyChannel(connection), apiKeyId));
  } catch (error) {
    // The replicas are most likely cut off too, and so caching nothing.
    connection.fellBack('api_key_invalidation', error);
  }
}
