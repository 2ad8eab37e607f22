import { gpuTimePricing } from '../common/gpu-time-settings.js';
import { defineProvider } from '../provider-definition.js';
import { createAutomatic1111Adapter } from './automatic1111-adapter.js';
import { automatic1111RouteOptionsSchema, automatic1111SettingsSchema } from './automatic1111-route-options.js';

/**
 * A self-hosted SD WebUI (AUTOMATIC1111 or Forge). No default base URL: the operator names the
 * server (`AUTOMATIC1111_BASE_URL=http://gpu-box:7860`). No key unless the server runs with
 * `--api-auth`; then `AUTOMATIC1111_API_KEY=user:pass` (comma-separated pairs spread the load).
 */
export const automatic1111Provider = defineProvider({
  id: 'automatic1111',
  instances: [
    {
      id: 'automatic1111',
      title: 'AUTOMATIC1111 / Forge SD WebUI API',
      defaultBaseUrl: undefined,
      keyEnv: [],
      keyRequired: false,
      settings: {},
    },
  ],
  routeOptions: automatic1111RouteOptionsSchema,
  settings: automatic1111SettingsSchema,
  instancePricing: gpuTimePricing,
  createAdapter: createAutomatic1111Adapter,
});
