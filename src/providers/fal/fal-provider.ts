import { defineProvider } from '../provider-definition.js';
import { createFalAdapter } from './fal-adapter.js';
import { falRouteOptionsSchema, falSettingsSchema } from './fal-route-options.js';

/** fal.ai's queue API; `FAL_KEY` is what fal's own clients read. */
export const falProvider = defineProvider({
  id: 'fal',
  instances: [
    { id: 'fal', title: 'fal.ai queue API', defaultBaseUrl: 'https://queue.fal.run', keyEnv: ['FAL_KEY'], keyRequired: true, settings: {} },
  ],
  routeOptions: falRouteOptionsSchema,
  settings: falSettingsSchema,
  createAdapter: createFalAdapter,
});
