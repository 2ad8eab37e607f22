import { z } from 'zod';
import type { GpuTimePricing } from './common/gpu-time-settings.js';
import type { ImageProvider, InstanceSettings } from './provider.js';

/**
 * One instance a provider brings with it (`openai`, `xai`, `azure`, …). Every instance also reads
 * `<ID>_API_KEY` and `<ID>_BASE_URL` (ID upper-cased, `-` → `_`); `keyEnv` adds the names the
 * provider's own SDK uses.
 */
export interface InstanceDefinition {
  /** Instance id used in catalog routes, e.g. `openai`, `xai`. */
  id: string;
  /** Human name for `imagerouter doctor` and the docs. */
  title: string;
  /** Default base URL; `undefined` when the operator must give one (self-hosted servers, Azure). */
  defaultBaseUrl: string | undefined;
  /** Extra key variables, after `<ID>_API_KEY`, first set one wins. */
  keyEnv: string[];
  /** Servers that run without auth are configured by a base URL alone. */
  keyRequired: boolean;
  /** Instance settings before the config file's are merged over them (e.g. the openai-compatible `flavor`). */
  settings: InstanceSettings;
}

/**
 * A provider as one registry entry, exported from its folder (`bfl/bfl-provider.ts`, …) and listed
 * once in `built-in-providers.ts`: its adapter, the instances it brings, and the schemas that turn
 * a route's `options:` and an instance's `settings:` into the typed values the adapter reads. Both
 * schemas run at boot, so a bad option stops the gateway before it serves anything.
 */
export interface ProviderDefinition<Options = unknown, Settings = InstanceSettings> {
  /** Adapter id (`ImageProvider.id`), also what `type:` names in the config file's `providers:`. */
  readonly id: string;
  /** Built-in instances, in the order `doctor` lists them. */
  readonly instances: readonly InstanceDefinition[];
  /**
   * What a named instance of `type: <adapter id>` starts from when no built-in instance has that
   * id (e.g. `type: openai-compatible`: any OpenAI-shaped server).
   */
  readonly typeDefaults?: Omit<InstanceDefinition, 'id'>;
  /** A catalog route's `options:` → what `ProviderCall.options` holds. */
  readonly routeOptions: z.ZodType<Options>;
  /** An instance's merged `settings:` → what `ProviderEndpoint.settings` holds. */
  readonly settings: z.ZodType<Settings>;
  /**
   * A price the instance's settings set for every route it serves (self-hosted engines billed by
   * GPU time), over the catalog's; `undefined` keeps the catalog's.
   */
  instancePricing?(settings: Settings): GpuTimePricing | undefined;
  createAdapter(): ImageProvider<Options, Settings>;
}

/**
 * The registry holds every provider at once, so their option types are erased here: the one
 * unchecked step (a typed adapter is assignable because `ImageProvider`'s methods take their
 * parameters bivariantly). It is sound because the registry hands an adapter only values its own
 * two schemas produced (route options in `catalog/bind-route-options.ts`, settings in
 * `provider-instances.ts`).
 */
export type AnyProviderDefinition = ProviderDefinition<unknown, InstanceSettings>;

/**
 * Ties the schemas' output types to the adapter's: the compiler checks that the adapter reads what
 * its schemas produce. `BUILT_IN_PROVIDERS` then holds every definition as `AnyProviderDefinition`.
 */
export function defineProvider<Options, Settings extends InstanceSettings>(
  definition: ProviderDefinition<Options, Settings>,
): ProviderDefinition<Options, Settings> {
  return definition;
}

/**
 * Settings the router reads on every instance, whatever its adapter: `max_retries` (retries on one
 * route for transient errors) and `circuit_breaker` (false: never skip it). Settings schemas extend
 * this; they stay loose, so a setting meant for another part of the gateway is not refused.
 */
export const routerSettingsSchema = z.looseObject({
  max_retries: z.number().int().min(0).optional(),
  circuit_breaker: z.boolean().optional(),
});

/** Route options of an adapter that has none: any key is a mistake worth stopping the boot for. */
export const noRouteOptionsSchema = z.strictObject({});
