import type { z } from 'zod';
import { BUILT_IN_PROVIDERS } from './built-in-providers.js';
import type { GpuTimePricing } from './common/gpu-time-settings.js';
import type { ImageProvider } from './provider.js';
import type { AnyProviderDefinition } from './provider-definition.js';
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
  /**
   * The schema of a route's `options:` on this instance (its adapter's), configured or not, so a
   * bad option stops the boot even before the key is set. `undefined` for an unknown instance.
   */
  routeOptionsSchema(instanceId: string): z.ZodType | undefined;
  /** The price the instance's config sets for all its routes (`gpu_second_usd`), if any. */
  instancePricing(instanceId: string): GpuTimePricing | undefined;
}

/**
 * Pairs instances with adapters. `providers` supplies the route-options schemas by adapter id, so
 * an adapter replaced for a test keeps its provider's schema.
 */
export function createProviderRegistry(
  adapters: ImageProvider[],
  instances: ProviderInstance[],
  providers: readonly AnyProviderDefinition[] = BUILT_IN_PROVIDERS,
): ProviderRegistry {
  const adapterById = new Map(adapters.map((adapter) => [adapter.id, adapter]));
  const instanceById = new Map(instances.map((instance) => [instance.id, instance]));
  const providerById = new Map(providers.map((provider) => [provider.id, provider]));
  const ready = new Map<string, RegisteredProvider>();
  for (const instance of instances) {
    const adapter = adapterById.get(instance.adapter);
    if (instance.configured && adapter) ready.set(instance.id, { instance, adapter });
  }
  return {
    get: (instanceId) => ready.get(instanceId),
    instances: () => [...instanceById.values()],
    describe: (instanceId) => instanceById.get(instanceId),
    routeOptionsSchema: (instanceId) => {
      const instance = instanceById.get(instanceId);
      return instance === undefined ? undefined : providerById.get(instance.adapter)?.routeOptions;
    },
    instancePricing: (instanceId) => {
      const instance = instanceById.get(instanceId);
      return instance === undefined ? undefined : providerById.get(instance.adapter)?.instancePricing?.(instance.settings);
    },
  };
}
