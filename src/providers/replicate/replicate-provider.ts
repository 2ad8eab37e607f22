import { defineProvider } from '../provider-definition.js';
import { createReplicateAdapter } from './replicate-adapter.js';
import { replicateRouteOptionsSchema, replicateSettingsSchema } from './replicate-route-options.js';

/** Replicate's predictions API; `REPLICATE_API_TOKEN` is what Replicate's own clients read. */
export const replicateProvider = defineProvider({
  id: 'replicate',
  instances: [
    {
      id: 'replicate',
      title: 'Replicate predictions API',
      defaultBaseUrl: 'https://api.replicate.com/v1',
      keyEnv: ['REPLICATE_API_TOKEN'],
      keyRequired: true,
      settings: {},
    },
  ],
  routeOptions: replicateRouteOptionsSchema,
  settings: replicateSettingsSchema,
  createAdapter: createReplicateAdapter,
});
