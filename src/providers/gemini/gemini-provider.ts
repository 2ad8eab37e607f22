import { defineProvider } from '../provider-definition.js';
import { createGeminiAdapter } from './gemini-adapter.js';
import { geminiRouteOptionsSchema } from './gemini-route-options.js';
import { googleSettingsSchema } from './google-endpoint.js';

/** Gemini native image models; the Developer API key doubles as Google's general one. */
export const geminiProvider = defineProvider({
  id: 'gemini',
  instances: [
    {
      id: 'gemini',
      title: 'Google Gemini native image (generateContent)',
      defaultBaseUrl: 'https://generativelanguage.googleapis.com/v1beta',
      keyEnv: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'],
      keyRequired: true,
      settings: {},
    },
  ],
  routeOptions: geminiRouteOptionsSchema,
  settings: googleSettingsSchema,
  createAdapter: createGeminiAdapter,
});
