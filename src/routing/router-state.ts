import { abortableSleep } from '../providers/common/abortable-sleep.js';
import { DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { createCircuitBreakers, DEFAULT_BREAKER_OPTIONS, type CircuitBreakers } from './circuit-breaker.js';
import { createInMemoryKeyRotation, type KeyRotation } from './key-rotation.js';
import { createLatencyTracker, type LatencyTracker } from './latency-tracker.js';
import { createProviderHealth, type ProviderHealth } from './provider-health.js';

/**
 * What the router remembers across requests: breakers, latencies and key rotation (per process, or
 * shared by replicas when `shared` passes Redis-backed ones), recent calls (always per process).
 */
export interface RouterState {
  breakers: CircuitBreakers;
  latency: LatencyTracker;
  /** Recent calls per instance (error rate, latency percentiles) for the operator's health view. */
  health: ProviderHealth;
  backoff: BackoffPolicy;
  random: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  keyRotation: KeyRotation;
}

/** The parts replicas may share; each defaults to this process's own. */
export interface SharedRouterState {
  breakers: CircuitBreakers;
  latency: LatencyTracker;
  keyRotation: KeyRotation;
}

export function createRouterState(options: {
  clock: () => number;
  random?: () => number;
  backoff?: Partial<BackoffPolicy>;
  breaker?: Partial<typeof DEFAULT_BREAKER_OPTIONS>;
  shared?: Partial<SharedRouterState>;
}): RouterState {
  return {
    breakers: options.shared?.breakers ?? createCircuitBreakers({ ...DEFAULT_BREAKER_OPTIONS, ...options.breaker, clock: options.clock }),
    latency: options.shared?.latency ?? createLatencyTracker(),
    health: createProviderHealth(),
    backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
    random: options.random ?? Math.random,
    sleep: abortableSleep,
    keyRotation: options.shared?.keyRotation ?? createInMemoryKeyRotation(),
  };
}
