import { defineProvider } from '../provider-definition.js';
import { createRecraftAdapter } from './recraft-adapter.js';
import { recraftRouteOptionsSchema, recraftSettingsSchema } from './recraft-route-options.js';

/** Recraft's own API: one instance, `RECRAFT_API_KEY` or the `RECRAFT_API_TOKEN` its docs name. */
export const recraftProvider = defineProvider({
  id: 'recraft',
  instances: [
    {
      id: 'recraft',
      title: 'Recraft API',
      defaultBaseUrl: 'https://external.api.recraft.ai/v1',
      keyEnv: ['RECRAFT_API_TOKEN'],
      keyRequired: true,
      settings: {},
    },
  ],
  routeOptions: recraftRouteOptionsSchema,
  settings: recraftSettingsSchema,
  createAdapter: createRecraftAdapter,
});
