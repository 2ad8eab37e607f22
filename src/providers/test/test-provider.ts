import { defineProvider, noRouteOptionsSchema, routerSettingsSchema } from '../provider-definition.js';
import { createTestProvider } from './test-adapter.js';

/** The local renderer behind `test/test`: no network, no key, no options. */
export const localTestProvider = defineProvider({
  id: 'test',
  instances: [
    // Its failures are on purpose ([[fail:429]]): answer them at once, and never let them open a circuit.
    {
      id: 'test',
      title: 'Local test renderer (test/test)',
      defaultBaseUrl: 'local:',
      keyEnv: [],
      keyRequired: false,
      settings: { max_retries: 0, circuit_breaker: false },
    },
  ],
  routeOptions: noRouteOptionsSchema,
  settings: routerSettingsSchema,
  createAdapter: createTestProvider,
});
