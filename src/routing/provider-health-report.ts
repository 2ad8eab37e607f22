import type { ProviderRegistry } from '../providers/registry.js';
import type { BreakerPhase } from './circuit-breaker.js';
import type { InstanceHealth } from './provider-health.js';
import type { RouterState } from './router-state.js';

export type BreakerState = BreakerPhase;

/** One configured provider instance as the health view shows it. */
export interface ProviderInstanceHealth extends InstanceHealth {
  instance: string;
  adapter: string;
  title: string;
  /** The instance's overall state: `closed` while any key may be called, `half_open` while only trials may, else `open`. */
  breaker: BreakerState;
  /** Per key (by index: never the key itself). */
  keys: Array<{ index: number; breaker: BreakerState }>;
  /** `circuit_breaker: false` in the instance's settings: its breaker never opens. */
  breakerDisabled: boolean;
}

/** Every configured instance, in registry order: breakers as the router sees them, calls as this process saw them. */
export async function providerHealthReport(registry: ProviderRegistry, state: RouterState): Promise<ProviderInstanceHealth[]> {
  const configured = registry.instances().filter((instance) => registry.get(instance.id) !== undefined);
  return Promise.all(
    configured.map(async (instance) => {
      const breakerDisabled = instance.settings['circuit_breaker'] === false;
      const keys = await Promise.all(
        Array.from({ length: Math.max(1, instance.apiKeys.length) }, async (_, index) => ({
          index,
          breaker: breakerDisabled ? ('closed' as const) : await state.breakers.state(`${instance.id}#${index}`),
        })),
      );
      return {
        instance: instance.id,
        adapter: instance.adapter,
        title: instance.title,
        breaker: overall(keys.map((key) => key.breaker)),
        keys,
        breakerDisabled,
        ...state.health.of(instance.id),
      };
    }),
  );
}

function overall(states: BreakerState[]): BreakerState {
  if (states.includes('closed')) return 'closed';
  return states.includes('half_open') ? 'half_open' : 'open';
}
