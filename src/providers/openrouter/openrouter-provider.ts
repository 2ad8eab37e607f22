import { defineProvider } from '../provider-definition.js';
import { createOpenRouterAdapter } from './openrouter-adapter.js';
import { openRouterRouteOptionsSchema, openRouterSettingsSchema } from './openrouter-route-options.js';

/** OpenRouter's chat completions with image output: one instance, `OPENROUTER_API_KEY`. */
export const openRouterProvider = defineProvider({
  id: 'openrouter',
  instances: [
    {
      id: 'openrouter',
      title: 'OpenRouter (image-output chat models)',
      defaultBaseUrl: 'https://openrouter.ai/api/v1',
      keyEnv: [],
      keyRequired: true,
      settings: {},
    },
  ],
  routeOptions: openRouterRouteOptionsSchema,
  settings: openRouterSettingsSchema,
  createAdapter: createOpenRouterAdapter,
});
