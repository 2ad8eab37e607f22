import { defineProvider } from '../provider-definition.js';
import { createIdeogramAdapter } from './ideogram-adapter.js';
import { ideogramRouteOptionsSchema, ideogramSettingsSchema } from './ideogram-route-options.js';

/** Ideogram's own API: one instance, `IDEOGRAM_API_KEY`. */
export const ideogramProvider = defineProvider({
  id: 'ideogram',
  instances: [
    { id: 'ideogram', title: 'Ideogram API', defaultBaseUrl: 'https://api.ideogram.ai', keyEnv: [], keyRequired: true, settings: {} },
  ],
  routeOptions: ideogramRouteOptionsSchema,
  settings: ideogramSettingsSchema,
  createAdapter: createIdeogramAdapter,
});
