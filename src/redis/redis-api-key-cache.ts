import { createLocalApiKeyCache, type ApiKeyCache } from '../accounts/api-key-cache.js';
import type { RedisConnection } from './redis-connection.js';

/**
 * How long a replica trusts a cached key lookup: the bound on staleness if an invalidation is lost
 * in a way the subscription cannot notice (it notices a dropped connection and clears the cache).
 */
export const API_KEY_CACHE_TTL_MS = 10_000;

/**
 * Each replica caches key lookups in process; a change to a key is published on a channel, and
 * every replica drops the key as the message arrives, so a revoked key fails everywhere on its
 * next request. While this replica is not subscribed (Redis down), it caches nothing.
 */
export async function createRedisApiKeyCache(
  connection: RedisConnection,
  options: { clock: () => number; ttlMs?: number },
): Promise<ApiKeyCache & { listening(): boolean }> {
  const local = createLocalApiKeyCache({ clock: options.clock, ttlMs: options.ttlMs ?? API_KEY_CACHE_TTL_MS });
  const channel = apiKeyChannel(connection);
  const subscription = await connection.subscribe(channel, { onMessage: (apiKeyId) => local.drop(apiKeyId), onLost: () => local.clear() });
  return {
    listening: () => subscription.listening(),
    lookup: (tokenHash, load) => (subscription.listening() ? local.lookup(tokenHash, load) : load()),
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

async function publishKeyChange(connection: RedisConnection, apiKeyId: string): Promise<void> {
  try {
    await connection.client.publish(apiKeyChannel(connection), apiKeyId);
  } catch (error) {
    // The replicas are most likely cut off too, and so caching nothing.
    connection.fellBack('api_key_invalidation', error);
  }
}
