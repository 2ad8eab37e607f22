import { gpuTimePricing } from '../common/gpu-time-settings.js';
import { defineProvider } from '../provider-definition.js';
import { createComfyuiAdapter } from './comfyui-adapter.js';
import { comfyuiRouteOptionsSchema, comfyuiSettingsSchema } from './comfyui-route-options.js';

/**
 * A self-hosted ComfyUI server. No default base URL: the operator names it
 * (`COMFYUI_BASE_URL=http://gpu-box:8188`). No key unless a reverse proxy guards it; then
 * `COMFYUI_API_KEY` is sent as a bearer token (or as Basic `user:pass` with `auth_scheme: basic`).
 */
export const comfyuiProvider = defineProvider({
  id: 'comfyui',
  instances: [{ id: 'comfyui', title: 'ComfyUI server API', defaultBaseUrl: undefined, keyEnv: [], keyRequired: false, settings: {} }],
  routeOptions: comfyuiRouteOptionsSchema,
  settings: comfyuiSettingsSchema,
  instancePricing: gpuTimePricing,
  createAdapter: createComfyuiAdapter,
});
