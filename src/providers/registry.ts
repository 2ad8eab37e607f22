import type { ImageProvider } from './provider.js';

/** The providers this gateway instance can call, by id. */
export interface ProviderRegistry {
  get(id: string): ImageProvider | undefined;
  ids(): string[];
}

export function createProviderRegistry(providers: ImageProvider[]): ProviderRegistry {
  const byId = new Map(providers.map((provider) => [provider.id, provider]));
  return {
    get: (id) => byId.get(id),
    ids: () => [...byId.keys()],
  };
}
