import type { ApiKeyCache } from '../accounts/api-key-cache.js';
import type { RateLimitStore } from '../accounts/rate-limit-store.js';
import type { ModelUsageCount } from '../catalog/popular-models.js';
import type { Metrics } from '../observability/metrics.js';
import type { CircuitBreakerOptions, CircuitBreakers } from '../routing/circuit-breaker.js';
import type { SharedRouterState } from '../routing/router-state.js';
import { createRedisApiKeyCache } from './redis-api-key-cache.js';
import { createRedisCircuitBreakers } from './redis-circuit-breakers.js';
import { createRedisConnection, type RedisConnection } from './redis-connection.js';
import { createRedisKeyRotation } from './redis-key-rotation.js';
import { createRedisLatencyTracker } from './redis-latency-tracker.js';
import { createRedisPopularCounts } from './redis-popular-counts.js';
import { createRedisRateLimitStore } from './redis-rate-limit-store.js';

/** What replicas share through Redis; each piece falls back to its in-process twin (`local`) while Redis is away. */
export interface RedisSharedState {
  connection: RedisConnection;
  rateLimits: RateLimitStore;
  router: SharedRouterState;
  apiKeyCache: ApiKeyCache;
  popularCounts(count: () => Promise<ModelUsageCount[]>): () => Promise<ModelUsageCount[]>;
  /** For `/ready`: `ok`, or `degraded` while the in-process fallbacks serve (or revocations cannot be heard). */
  status(): 'ok' | 'degraded';
  close(): Promise<void>;
}

export async function createRedisSharedState(options: {
  url: string;
  prefix: string;
  metrics: Metrics;
  clock: () => number;
  breaker: Omit<CircuitBreakerOptions, 'clock'>;
  local: { rateLimits: RateLimitStore; router: SharedRouterState };
}): Promise<RedisSharedState> {
  const connection = await createRedisConnection({ url: options.url, prefix: options.prefix, metrics: options.metrics });
  const { local } = options;
  const breakers: CircuitBreakers = createRedisCircuitBreakers(
    connection,
    { ...options.breaker, clock: options.clock },
    local.router.breakers,
  );
  const apiKeyCache = await createRedisApiKeyCache(connection, { clock: options.clock });
  return {
    connection,
    rateLimits: createRedisRateLimitStore(connection, local.rateLimits),
    router: {
      breakers,
      latency: createRedisLatencyTracker(connection, local.router.latency),
      keyRotation: createRedisKeyRotation(connection, local.router.keyRotation),
    },
    apiKeyCache,
    popularCounts: (count) => createRedisPopularCounts(connection, count),
    status: () => (connection.isUp() && apiKeyCache.listening() ? 'ok' : 'degraded'),
    close: () => connection.close(),
  };
}
