import { defineProvider } from '../provider-definition.js';
import { createStabilityAdapter } from './stability-adapter.js';
import { stabilityRouteOptionsSchema, stabilitySettingsSchema } from './stability-route-options.js';

/** Stability AI's REST v2beta: Stable Image Ultra and Core, SD 3.5, and the edit endpoints. */
export const stabilityProvider = defineProvider({
  id: 'stability',
  instances: [
    {
      id: 'stability',
      title: 'Stability AI REST v2beta',
      defaultBaseUrl: 'https://api.stability.ai',
      keyEnv: [],
      keyRequired: true,
      settings: {},
    },
  ],
  routeOptions: stabilityRouteOptionsSchema,
  settings: stabilitySettingsSchema,
  createAdapter: createStabilityAdapter,
});
