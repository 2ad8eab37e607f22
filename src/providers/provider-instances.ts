import { z } from 'zod';
import { envPrefix, PROVIDER_DEFINITIONS, type ProviderDefinition } from './provider-definitions.js';

/** One upstream the gateway may call: a built-in provider or a named instance from the config file. */
export interface ProviderInstance {
  id: string;
  /** The adapter that speaks its wire format. */
  adapter: string;
  title: string;
  baseUrl: string | undefined;
  /** Keys from the comma-separated variable: load is spread over them and fails over between them. */
  apiKeys: string[];
  settings: Record<string, unknown>;
  /** Ready to route to: a base URL, and a key when the upstream needs one. */
  configured: boolean;
  /** What the operator must set when it is not configured, e.g. `OPENAI_API_KEY`. */
  missing: string | undefined;
  /** Variables that configure it, for `imagerouter doctor` and error messages. */
  keyVariables: string[];
  baseUrlVariable: string;
}

const instanceConfigSchema = z
  .object({
    /** A built-in provider id to inherit from (`azure`, `localai`, `openai`, ...) or an adapter id. */
    type: z.string().min(1),
    title: z.string().optional(),
    base_url: z.string().url().optional(),
    /** Name of the variable holding the key(s); default `<ID>_API_KEY`. */
    api_key_env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name').optional(),
    /** Adapter settings merged over the type's (e.g. `api_version`, `flavor`). */
    settings: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

const providersSectionSchema = z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'instance ids are lower-case letters, digits and dashes'), instanceConfigSchema);

/** `type: openai-compatible`: any OpenAI-shaped server, by base URL, key optional. */
const GENERIC_OPENAI_COMPATIBLE: ProviderDefinition = {
  id: 'openai-compatible',
  adapter: 'openai-compatible',
  title: 'OpenAI-compatible server',
  defaultBaseUrl: undefined,
  keyEnv: [],
  keyRequired: false,
  settings: { flavor: 'generic' },
};

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
export function resolveProviderInstances(env: NodeJS.ProcessEnv, providersSection: unknown, configFile = 'IMAGEROUTER_CONFIG'): ProviderInstance[] {
  const instances = PROVIDER_DEFINITIONS.map((definition) => instanceOf(definition, env, undefined));
  if (providersSection === undefined || providersSection === null) return instances;
  const parsed = providersSectionSchema.safeParse(providersSection);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ProviderConfigError(`${configFile}: providers${issue?.path.length ? `.${issue.path.join('.')}` : ''}: ${issue?.message ?? 'invalid'}`);
  }
  for (const [id, config] of Object.entries(parsed.data)) {
    const base = PROVIDER_DEFINITIONS.find((definition) => definition.id === config.type) ?? (config.type === GENERIC_OPENAI_COMPATIBLE.id ? GENERIC_OPENAI_COMPATIBLE : undefined);
    if (!base) {
      const known = [...PROVIDER_DEFINITIONS.map((definition) => definition.id), GENERIC_OPENAI_COMPATIBLE.id].join(', ');
      throw new ProviderConfigError(`${configFile}: providers.${id}.type: unknown provider type '${config.type}' (known: ${known})`);
    }
    const definition: ProviderDefinition = {
      ...base,
      id,
      title: config.title ?? `${base.title} (${id})`,
      defaultBaseUrl: config.base_url ?? base.defaultBaseUrl,
      // A named instance has its own keys: never inherit the built-in's SDK variables.
      keyEnv: config.api_key_env ? [config.api_key_env] : [],
      settings: { ...base.settings, ...config.settings },
    };
    const instance = instanceOf(definition, env, config.api_key_env);
    const existing = instances.findIndex((candidate) => candidate.id === id);
    if (existing >= 0) instances[existing] = instance;
    else instances.push(instance);
  }
  return instances;
}

function instanceOf(definition: ProviderDefinition, env: NodeJS.ProcessEnv, keyVariableOverride: string | undefined): ProviderInstance {
  const prefix = envPrefix(definition.id);
  const keyVariables = keyVariableOverride ? [keyVariableOverride] : [...new Set([`${prefix}_API_KEY`, ...definition.keyEnv])];
  const keyVariable = keyVariables.find((name) => splitKeys(env[name]).length > 0);
  const apiKeys = splitKeys(keyVariable ? env[keyVariable] : undefined);
  const baseUrlVariable = `${prefix}_BASE_URL`;
  const baseUrl = (env[baseUrlVariable]?.trim() || definition.defaultBaseUrl)?.replace(/\/+$/, '');
  const missing = !baseUrl ? baseUrlVariable : definition.keyRequired && apiKeys.length === 0 ? keyVariables[0] : undefined;
  return {
    id: definition.id,
    adapter: definition.adapter,
    title: definition.title,
    baseUrl,
    apiKeys,
    settings: definition.settings,
    configured: missing === undefined,
    missing,
    keyVariables,
    baseUrlVariable,
  };
}
