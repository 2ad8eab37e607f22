import { defineProvider } from '../provider-definition.js';
import { createOpenAIAdapter } from './openai-adapter.js';
import { openAIRouteOptionsSchema, openAISettingsSchema } from './openai-route-options.js';

/** OpenAI's Images API: one instance, `OPENAI_API_KEY`. */
export const openAIProvider = defineProvider({
  id: 'openai',
  instances: [
    { id: 'openai', title: 'OpenAI Images API', defaultBaseUrl: 'https://api.openai.com/v1', keyEnv: [], keyRequired: true, settings: {} },
  ],
  routeOptions: openAIRouteOptionsSchema,
  settings: openAISettingsSchema,
  createAdapter: createOpenAIAdapter,
});
