import { z } from 'zod';
import { BUILT_IN_PROVIDERS } from './built-in-providers.js';
import type { InstanceSettings } from './provider.js';
import type { AnyProviderDefinition, InstanceDefinition } from './provider-definition.js';

/** One upstream the gateway may call: a built-in provider or a named instance from the config file. */
export interface ProviderInstance {
  id: string;
  /** The adapter that speaks its wire format. */
  adapter: string;
  title: string;
  baseUrl: string | undefined;
  /** Keys from the comma-separated variable: load is spread over them and fails over between them. */
  apiKeys: string[];
  /** Parsed by the provider's settings schema: what the adapter receives as `endpoint.settings`. */
  settings: InstanceSettings;
  /** Ready to route to: a base URL, and a key when the upstream needs one. */
  configured: boolean;
  /** What the operator must set when it is not configured, e.g. `OPENAI_API_KEY`. */
  missing: string | undefined;
  /** Variables that configure it, for `imagerouter doctor` and error messages. */
  keyVariables: string[];
  /** The one of `keyVariables` the keys were read from; unset when none holds a key. */
  keyVariable?: string;
  baseUrlVariable: string;
}

const instanceConfigSchema = z
  .object({
    /** A built-in provider id to inherit from (`azure`, `localai`, `openai`, ...) or an adapter id. */
    type: z.string().min(1),
    title: z.string().optional(),
    base_url: z.string().url().optional(),
    /** Name of the variable holding the key(s); default `<ID>_API_KEY`. */
    api_key_env: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name')
      .optional(),
    /** Adapter settings merged over the type's (e.g. `api_version`, `flavor`). */
    settings: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

const providersSectionSchema = z.record(
  z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'instance ids are lower-case letters, digits and dashes'),
  instanceConfigSchema,
);

/** An instance definition with the provider that speaks to it. */
interface PlacedInstance {
  provider: AnyProviderDefinition;
  definition: InstanceDefinition;
}

export class ProviderConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderConfigError';
  }
}

const splitKeys = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean);

/**
 * Every provider instance with its configuration from the environment and the config file's
 * `providers:` section. Keys are never logged or returned by the API; only their count is.
 */
export function resolveProviderInstances(
  env: NodeJS.ProcessEnv,
  providersSection: unknown,
  configFile = 'IMAGEROUTER_CONFIG',
  providers: readonly AnyProviderDefinition[] = BUILT_IN_PROVIDERS,
): ProviderInstance[] {
  const builtIn: PlacedInstance[] = providers.flatMap((provider) => provider.instances.map((definition) => ({ provider, definition })));
  const instances = builtIn.map((placed) => instanceOf(placed, env, undefined, `the built-in instance '${placed.definition.id}'`));
  if (providersSection === undefined || providersSection === null) return instances;
  const parsed = providersSectionSchema.safeParse(providersSection);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ProviderConfigError(
      `${configFile}: providers${issue?.path.length ? `.${issue.path.join('.')}` : ''}: ${issue?.message ?? 'invalid'}`,
    );
  }
  for (const [id, config] of Object.entries(parsed.data)) {
    const base = builtIn.find((placed) => placed.definition.id === config.type) ?? typeDefaults(providers, config.type);
    if (!base) {
      const known = [
        ...builtIn.map((placed) => placed.definition.id),
        ...providers.filter((provider) => provider.typeDefaults).map((provider) => provider.id),
      ].join(', ');
      throw new ProviderConfigError(`${configFile}: providers.${id}.type: unknown provider type '${config.type}' (known: ${known})`);
    }
    const definition: InstanceDefinition = {
      ...base.definition,
      id,
      title: config.title ?? `${base.definition.title} (${id})`,
      defaultBaseUrl: config.base_url ?? base.definition.defaultBaseUrl,
      // A named instance has its own keys: never inherit the built-in's SDK variables.
      keyEnv: config.api_key_env ? [config.api_key_env] : [],
      settings: { ...base.definition.settings, ...config.settings },
    };
    const instance = instanceOf({ provider: base.provider, definition }, env, config.api_key_env, `${configFile}: providers.${id}`);
    const existing = instances.findIndex((candidate) => candidate.id === id);
    if (existing >= 0) instances[existing] = instance;
    else instances.push(instance);
  }
  return instances;
}

/** `type: <adapter id>` for providers that name a generic kind of server (`openai-compatible`). */
function typeDefaults(providers: readonly AnyProviderDefinition[], type: string): PlacedInstance | undefined {
  const provider = providers.find((candidate) => candidate.id === type && candidate.typeDefaults);
  return provider?.typeDefaults ? { provider, definition: { id: type, ...provider.typeDefaults } } : undefined;
}

/** `azure-eu` → `AZURE_EU`: the prefix of an instance's variables. */
export function envPrefix(instanceId: string): string {
  return instanceId.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/**
 * Settings are parsed here, once, by the provider's own schema: a wrong setting stops the boot
 * naming the instance and the setting, and the adapter receives typed values.
 */
function instanceOf(
  placed: PlacedInstance,
  env: NodeJS.ProcessEnv,
  keyVariableOverride: string | undefined,
  where: string,
): ProviderInstance {
  const { provider, definition } = placed;
  const prefix = envPrefix(definition.id);
  const keyVariables = keyVariableOverride ? [keyVariableOverride] : [...new Set([`${prefix}_API_KEY`, ...definition.keyEnv])];
  const keyVariable = keyVariables.find((name) => splitKeys(env[name]).length > 0);
  const apiKeys = splitKeys(keyVariable ? env[keyVariable] : undefined);
  const baseUrlVariable = `${prefix}_BASE_URL`;
  const baseUrl = (env[baseUrlVariable]?.trim() || definition.defaultBaseUrl)?.replace(/\/+$/, '');
  const missing = !baseUrl ? baseUrlVariable : definition.keyRequired && apiKeys.length === 0 ? keyVariables[0] : undefined;
  return {
    id: definition.id,
    adapter: provider.id,
    title: definition.title,
    baseUrl,
    apiKeys,
    settings: parseSettings(provider, definition.settings, where),
    configured: missing === undefined,
    missing,
    keyVariables,
    ...(keyVariable === undefined ? {} : { keyVariable }),
    baseUrlVariable,
  };
}

function parseSettings(provider: AnyProviderDefinition, settings: InstanceSettings, where: string): InstanceSettings {
  const parsed = provider.settings.safeParse(settings);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = ['settings', ...(issue?.path ?? [])].map(String).join('.');
  throw new ProviderConfigError(`${where}: ${path}: ${issue?.message ?? 'invalid'}`);
}
