import { automatic1111Provider } from './automatic1111/automatic1111-provider.js';
import { comfyuiProvider } from './comfyui/comfyui-provider.js';
import { bflProvider } from './bfl/bfl-provider.js';
import { falProvider } from './fal/fal-provider.js';
import { geminiProvider } from './gemini/gemini-provider.js';
import { ideogramProvider } from './ideogram/ideogram-provider.js';
import { imagenProvider } from './imagen/imagen-provider.js';
import { openAICompatibleProvider } from './openai-compatible/openai-compatible-provider.js';
import { openAIProvider } from './openai/openai-provider.js';
import { recraftProvider } from './recraft/recraft-provider.js';
import { openRouterProvider } from './openrouter/openrouter-provider.js';
import { replicateProvider } from './replicate/replicate-provider.js';
import { runwareProvider } from './runware/runware-provider.js';
import { stabilityProvider } from './stability/stability-provider.js';
import type { ImageProvider } from './provider.js';
import type { AnyProviderDefinition } from './provider-definition.js';
import { localTestProvider } from './test/test-provider.js';

/**
 * Every provider this gateway ships, one line each. Adding a provider is a folder with its
 * `<id>-provider.ts`, one line here, and catalog YAML routing to it. The order is the order
 * `imagerouter doctor` lists their instances in.
 */
export const BUILT_IN_PROVIDERS: readonly AnyProviderDefinition[] = [
  openAIProvider,
  geminiProvider,
  imagenProvider,
  bflProvider,
  falProvider,
  replicateProvider,
  stabilityProvider,
  ideogramProvider,
  recraftProvider,
  openRouterProvider,
  runwareProvider,
  openAICompatibleProvider,
  automatic1111Provider,
  comfyuiProvider,
  localTestProvider,
];

/** One instance of every adapter; provider instances (`openai`, `azure-eu`, ...) share them. */
export function createBuiltInAdapters(): ImageProvider[] {
  return BUILT_IN_PROVIDERS.map((provider) => provider.createAdapter());
}

/** The built-in provider whose adapter has this id. */
export function builtInProvider(adapterId: string): AnyProviderDefinition | undefined {
  return BUILT_IN_PROVIDERS.find((provider) => provider.id === adapterId);
}
