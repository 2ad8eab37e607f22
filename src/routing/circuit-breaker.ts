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

export interface CircuitBreakers {
  /** Whether a call may go to this key now; reserves the half-open trial when it is the one. */
  tryAcquire(key: string): boolean;
  success(key: string): void;
  failure(key: string): void;
  /** Gives back a half-open trial that ended without telling anything about the upstream (a client abort). */
  release(key: string): void;
  state(key: string): 'closed' | 'open' | 'half_open';
}

export const DEFAULT_BREAKER_OPTIONS = { failureThreshold: 5, openMs: 30_000 };

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
  const phase = (state: BreakerState): 'closed' | 'open' | 'half_open' => {
    if (state.openedAt === undefined) return 'closed';
    return options.clock() - state.openedAt >= options.openMs ? 'half_open' : 'open';
  };
  return {
    tryAcquire(key) {
      const state = stateOf(key);
      const current = phase(state);
      if (current === 'closed') return true;
      if (current === 'open' || state.trialInFlight) return false;
      state.trialInFlight = true;
      return true;
    },
    success(key) {
      states.set(key, { failures: 0, openedAt: undefined, trialInFlight: false });
    },
    failure(key) {
      const state = stateOf(key);
      state.trialInFlight = false;
      state.failures += 1;
      if (state.openedAt !== undefined || state.failures >= options.failureThreshold) state.openedAt = options.clock();
    },
    release(key) {
      stateOf(key).trialInFlight = false;
    },
    state: (key) => phase(stateOf(key)),
  };
}
