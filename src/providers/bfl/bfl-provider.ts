import { defineProvider } from '../provider-definition.js';
import { createBflAdapter } from './bfl-adapter.js';
import { bflRouteOptionsSchema, bflSettingsSchema } from './bfl-route-options.js';

/** Black Forest Labs' own FLUX API. */
export const bflProvider = defineProvider({
  id: 'bfl',
  instances: [
    {
      id: 'bfl',
      title: 'Black Forest Labs FLUX API',
      defaultBaseUrl: 'https://api.bfl.ai/v1',
      keyEnv: [],
      keyRequired: true,
      settings: {},
    },
  ],
  routeOptions: bflRouteOptionsSchema,
  settings: bflSettingsSchema,
  createAdapter: createBflAdapter,
});
