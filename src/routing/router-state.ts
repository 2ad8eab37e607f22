import { abortableSleep } from '../providers/common/abortable-sleep.js';
import { DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { createCircuitBreakers, DEFAULT_BREAKER_OPTIONS, type CircuitBreakers } from './circuit-breaker.js';
import { createLatencyTracker, type LatencyTracker } from './latency-tracker.js';
import { createProviderHealth, type ProviderHealth } from './provider-health.js';

/** What the router remembers across requests (per process): breakers, latencies, key rotation. */
export interface RouterState {
  breakers: CircuitBreakers;
  latency: LatencyTracker;
  /** Recent calls per instance (error rate, latency percentiles) for the operator's health view. */
  health: ProviderHealth;
  backoff: BackoffPolicy;
  random: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Round-robin position per instance, so keys share the load. */
  keyCursor: Map<string, number>;
}

export function createRouterState(options: {
  clock: () => number;
  random?: () => number;
  backoff?: Partial<BackoffPolicy>;
  breaker?: Partial<typeof DEFAULT_BREAKER_OPTIONS>;
}): RouterState {
  return {
    breakers: createCircuitBreakers({ ...DEFAULT_BREAKER_OPTIONS, ...options.breaker, clock: options.clock }),
    latency: createLatencyTracker(),
    health: createProviderHealth(),
    backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
    random: options.random ?? Math.random,
    sleep: abortableSleep,
    keyCursor: new Map(),
  };
}
