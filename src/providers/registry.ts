import type { ImageProvider } from './provider.js';
import type { ProviderInstance } from './provider-instances.js';

/** A configured instance and the adapter that speaks to it. */
export interface RegisteredProvider {
  instance: ProviderInstance;
  adapter: ImageProvider;
}

/** The provider instances this gateway can call, by instance id. */
export interface ProviderRegistry {
  /** A configured instance, or `undefined` when it is unknown or not configured. */
  get(instanceId: string): RegisteredProvider | undefined;
  /** Every instance, configured or not (for listings, errors and `doctor`). */
  instances(): ProviderInstance[];
  /** The instance by id even when not configured (to name the variable to set). */
  describe(instanceId: string): ProviderInstance | undefined;
}

export function createProviderRegistry(adapters: ImageProvider[], instances: ProviderInstance[]): ProviderRegistry {
  const adapterById = new Map(adapters.map((adapter) => [adapter.id, adapter]));
  const instanceById = new Map(instances.map((instance) => [instance.id, instance]));
  const ready = new Map<string, RegisteredProvider>();
  for (const instance of instances) {
    const adapter = adapterById.get(instance.adapter);
    if (instance.configured && adapter) ready.set(instance.id, { instance, adapter });
  }
  return {
    get: (instanceId) => ready.get(instanceId),
    instances: () => [...instanceById.values()],
    describe: (instanceId) => instanceById.get(instanceId),
  };
}
