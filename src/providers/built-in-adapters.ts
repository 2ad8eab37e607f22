import { createBflAdapter } from './bfl/bfl-adapter.js';
import { createFalAdapter } from './fal/fal-adapter.js';
import { createGeminiAdapter } from './gemini/gemini-adapter.js';
import { createImagenAdapter } from './imagen/imagen-adapter.js';
import { createOpenAIAdapter } from './openai/openai-adapter.js';
import { createOpenAICompatibleAdapter } from './openai-compatible/openai-compatible-adapter.js';
import type { ImageProvider } from './provider.js';
import { createReplicateAdapter } from './replicate/replicate-adapter.js';
import { createTestProvider } from './test/test-provider.js';

/** One instance of every adapter; provider instances (`openai`, `azure-eu`, ...) share them. */
export function createBuiltInAdapters(): ImageProvider[] {
  return [createTestProvider(), createBflAdapter(), createFalAdapter(), createReplicateAdapter(), createGeminiAdapter(), createImagenAdapter(), createOpenAIAdapter(), createOpenAICompatibleAdapter()];
}
