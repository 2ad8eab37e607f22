/**
 * The built-in provider instances: which adapter serves each, where it lives by default, and
 * which environment variables configure it. Every instance also reads `<ID>_API_KEY` and
 * `<ID>_BASE_URL` (ID upper-cased, `-` → `_`); `keyEnv` adds the names the provider's own SDK uses.
 */
export interface ProviderDefinition {
  /** Instance id used in catalog routes, e.g. `openai`, `xai`. */
  id: string;
  /** The adapter (`ImageProvider.id`) that speaks this upstream's wire format. */
  adapter: string;
  /** Human name for `imagerouter doctor` and the docs. */
  title: string;
  /** Default base URL; `undefined` when the operator must give one (self-hosted servers, Azure). */
  defaultBaseUrl: string | undefined;
  /** Extra key variables, after `<ID>_API_KEY`, first set one wins. */
  keyEnv: string[];
  /** Servers that run without auth are configured by a base URL alone. */
  keyRequired: boolean;
  /**
   * Adapter settings, e.g. the openai-compatible `flavor`. Two are the router's: `max_retries`
   * (retries on one route for transient errors) and `circuit_breaker` (false: never skip it).
   */
  settings: Record<string, unknown>;
}

export const PROVIDER_DEFINITIONS: readonly ProviderDefinition[] = [
  { id: 'openai', adapter: 'openai', title: 'OpenAI Images API', defaultBaseUrl: 'https://api.openai.com/v1', keyEnv: [], keyRequired: true, settings: {} },
  {
    id: 'gemini',
    adapter: 'gemini',
    title: 'Google Gemini native image (generateContent)',
    defaultBaseUrl: 'https://generativelanguage.googleapis.com/v1beta',
    keyEnv: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'],
    keyRequired: true,
    settings: {},
  },
  {
    id: 'imagen',
    adapter: 'imagen',
    title: 'Google Imagen (:predict)',
    defaultBaseUrl: 'https://generativelanguage.googleapis.com/v1beta',
    keyEnv: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'],
    keyRequired: true,
    settings: {},
  },
  { id: 'bfl', adapter: 'bfl', title: 'Black Forest Labs FLUX API', defaultBaseUrl: 'https://api.bfl.ai/v1', keyEnv: [], keyRequired: true, settings: {} },
  { id: 'fal', adapter: 'fal', title: 'fal.ai queue API', defaultBaseUrl: 'https://queue.fal.run', keyEnv: ['FAL_KEY'], keyRequired: true, settings: {} },
  {
    id: 'replicate',
    adapter: 'replicate',
    title: 'Replicate predictions API',
    defaultBaseUrl: 'https://api.replicate.com/v1',
    keyEnv: ['REPLICATE_API_TOKEN'],
    keyRequired: true,
    settings: {},
  },
  { id: 'xai', adapter: 'openai-compatible', title: 'xAI images', defaultBaseUrl: 'https://api.x.ai/v1', keyEnv: [], keyRequired: true, settings: { flavor: 'xai' } },
  {
    id: 'together',
    adapter: 'openai-compatible',
    title: 'Together AI images',
    defaultBaseUrl: 'https://api.together.xyz/v1',
    keyEnv: [],
    keyRequired: true,
    settings: { flavor: 'together' },
  },
  {
    id: 'deepinfra',
    adapter: 'openai-compatible',
    title: 'DeepInfra (OpenAI-compatible)',
    defaultBaseUrl: 'https://api.deepinfra.com/v1/openai',
    keyEnv: ['DEEPINFRA_TOKEN'],
    keyRequired: true,
    settings: { flavor: 'deepinfra' },
  },
  {
    id: 'azure',
    adapter: 'openai-compatible',
    title: 'Azure OpenAI (deployment URL)',
    defaultBaseUrl: undefined,
    keyEnv: ['AZURE_OPENAI_API_KEY'],
    keyRequired: true,
    settings: { flavor: 'azure', api_version: '2025-04-01-preview' },
  },
  { id: 'localai', adapter: 'openai-compatible', title: 'LocalAI', defaultBaseUrl: undefined, keyEnv: [], keyRequired: false, settings: { flavor: 'localai' } },
  { id: 'vllm', adapter: 'openai-compatible', title: 'vLLM-Omni', defaultBaseUrl: undefined, keyEnv: [], keyRequired: false, settings: { flavor: 'vllm' } },
  { id: 'sglang', adapter: 'openai-compatible', title: 'SGLang Diffusion', defaultBaseUrl: undefined, keyEnv: [], keyRequired: false, settings: { flavor: 'sglang' } },
  // Its failures are on purpose ([[fail:429]]): answer them at once, and never let them open a circuit.
  {
    id: 'test',
    adapter: 'test',
    title: 'Local test renderer (test/test)',
    defaultBaseUrl: 'local:',
    keyEnv: [],
    keyRequired: false,
    settings: { max_retries: 0, circuit_breaker: false },
  },
];

/** `azure-eu` → `AZURE_EU`: the prefix of an instance's variables. */
export function envPrefix(instanceId: string): string {
  return instanceId.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}
