import { defineProvider } from '../provider-definition.js';
import { createRunwareAdapter } from './runware-adapter.js';
import { runwareRouteOptionsSchema, runwareSettingsSchema } from './runware-route-options.js';

/** Runware's hosted inference API: `RUNWARE_API_KEY` (comma-separated keys spread the load), `RUNWARE_BASE_URL`. */
export const runwareProvider = defineProvider({
  id: 'runware',
  instances: [
    {
      id: 'runware',
      title: 'Runware task API',
      defaultBaseUrl: 'https://api.runware.ai/v1',
      keyEnv: [],
      keyRequired: true,
      settings: {},
    },
  ],
  routeOptions: runwareRouteOptionsSchema,
  settings: runwareSettingsSchema,
  createAdapter: createRunwareAdapter,
});
