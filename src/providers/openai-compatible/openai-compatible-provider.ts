import { defineProvider } from '../provider-definition.js';
import { createOpenAICompatibleAdapter, OPENAI_COMPATIBLE_ADAPTER_ID } from './openai-compatible-adapter.js';
import { openAICompatibleRouteOptionsSchema, openAICompatibleSettingsSchema } from './openai-compatible-config.js';

/**
 * Every OpenAI-shaped image server. Each built-in instance is one server kind, told apart by its
 * `flavor` setting; `type: openai-compatible` in the config file names any other such server.
 */
export const openAICompatibleProvider = defineProvider({
  id: OPENAI_COMPATIBLE_ADAPTER_ID,
  instances: [
    { id: 'xai', title: 'xAI images', defaultBaseUrl: 'https://api.x.ai/v1', keyEnv: [], keyRequired: true, settings: { flavor: 'xai' } },
    {
      id: 'together',
      title: 'Together AI images',
      defaultBaseUrl: 'https://api.together.xyz/v1',
      keyEnv: [],
      keyRequired: true,
      settings: { flavor: 'together' },
    },
    {
      id: 'deepinfra',
      title: 'DeepInfra (OpenAI-compatible)',
      defaultBaseUrl: 'https://api.deepinfra.com/v1/openai',
      keyEnv: ['DEEPINFRA_TOKEN'],
      keyRequired: true,
      settings: { flavor: 'deepinfra' },
    },
    {
      id: 'azure',
      title: 'Azure OpenAI (deployment URL)',
      defaultBaseUrl: undefined,
      keyEnv: ['AZURE_OPENAI_API_KEY'],
      keyRequired: true,
      settings: { flavor: 'azure', api_version: '2025-04-01-preview' },
    },
    { id: 'localai', title: 'LocalAI', defaultBaseUrl: undefined, keyEnv: [], keyRequired: false, settings: { flavor: 'localai' } },
    { id: 'vllm', title: 'vLLM-Omni', defaultBaseUrl: undefined, keyEnv: [], keyRequired: false, settings: { flavor: 'vllm' } },
    { id: 'sglang', title: 'SGLang Diffusion', defaultBaseUrl: undefined, keyEnv: [], keyRequired: false, settings: { flavor: 'sglang' } },
  ],
  typeDefaults: {
    title: 'OpenAI-compatible server',
    defaultBaseUrl: undefined,
    keyEnv: [],
    keyRequired: false,
    settings: { flavor: 'generic' },
  },
  routeOptions: openAICompatibleRouteOptionsSchema,
  settings: openAICompatibleSettingsSchema,
  createAdapter: createOpenAICompatibleAdapter,
});
