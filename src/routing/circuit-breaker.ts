/**
 * One breaker per upstream key (`instance#keyIndex`). After `failureThreshold` consecutive
 * failures it opens: calls skip that key for `openMs`. Then one trial call is let through
 * (half-open); its success closes the breaker, its failure opens it again.
 */
export interface CircuitBreakerOptions {
  failureThreshold: number;
  openMs: number;
  clock: () => number;
}

type BreakerState = { failures: number; openedAt: number | undefined; trialInFlight: boolean };

/** Asynchronous because the state may be shared by replicas (`redis/redis-circuit-breakers.ts`). */
export interface CircuitBreakers {
  /** Whether a call may go to this key now; reserves the half-open trial when it is the one. */
  tryAcquire(key: string): Promise<boolean>;
  success(key: string): Promise<void>;
  failure(key: string): Promise<void>;
  /** Gives back a half-open trial that ended without telling anything about the upstream (a client abort). */
  release(key: string): Promise<void>;
  state(key: string): Promise<BreakerPhase>;
}

export type BreakerPhase = 'closed' | 'open' | 'half_open';

export const DEFAULT_BREAKER_OPTIONS = { failureThreshold: 5, openMs: 30_000 };

/** The breakers of one process. */
export function createCircuitBreakers(options: CircuitBreakerOptions): CircuitBreakers {
  const states = new Map<string, BreakerState>();
  const stateOf = (key: string) => {
    let state = states.get(key);
    if (!state) {
      state = { failures: 0, openedAt: undefined, trialInFlight: false };
      states.set(key, state);
    }
    return state;
  };
  const phase = (state: BreakerState): BreakerPhase => {
    if (state.openedAt === undefined) return 'closed';
    return options.clock() - state.openedAt >= options.openMs ? 'half_open' : 'open';
  };
  return {
    async tryAcquire(key) {
      const state = stateOf(key);
      const current = phase(state);
      if (current === 'closed') return true;
      if (current === 'open' || state.trialInFlight) return false;
      state.trialInFlight = true;
      return true;
    },
    async success(key) {
      states.set(key, { failures: 0, openedAt: undefined, trialInFlight: false });
    },
    async failure(key) {
      const state = stateOf(key);
      state.trialInFlight = false;
      state.failures += 1;
      if (state.openedAt !== undefined || state.failures >= options.failureThreshold) state.openedAt = options.clock();
    },
    async release(key) {
      stateOf(key).trialInFlight = false;
    },
    state: async (key) => phase(stateOf(key)),
  };
}
