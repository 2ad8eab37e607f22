import { defineProvider, rawRouteOptionsSchema, routerSettingsSchema } from '../provider-definition.js';
import { createGeminiAdapter } from './gemini-adapter.js';

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
  routeOptions: rawRouteOptionsSchema,
  settings: routerSettingsSchema,
  createAdapter: createGeminiAdapter,
});
