import { googleSettingsSchema } from '../gemini/google-endpoint.js';
import { defineProvider } from '../provider-definition.js';
import { createImagenAdapter } from './imagen-adapter.js';
import { imagenRouteOptionsSchema } from './imagen-route-options.js';

/** Imagen shares Gemini's API and keys, on its own instance so each can be routed and probed apart. */
export const imagenProvider = defineProvider({
  id: 'imagen',
  instances: [
    {
      id: 'imagen',
      title: 'Google Imagen (:predict)',
      defaultBaseUrl: 'https://generativelanguage.googleapis.com/v1beta',
      keyEnv: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'],
      keyRequired: true,
      settings: {},
    },
  ],
  routeOptions: imagenRouteOptionsSchema,
  settings: googleSettingsSchema,
  createAdapter: createImagenAdapter,
});
