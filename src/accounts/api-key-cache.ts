import type { ApiKeyWithAccount } from './account-records.js';

/**
 * Key lookups by token hash, kept briefly so a request need not read the key row. Only with a
 * channel that tells every replica when a key changes (`redis/redis-api-key-cache.ts`); without
 * one, replicas could not hear of a revocation elsewhere, so nothing is cached (`uncachedApiKeys`).
 */
export interface ApiKeyCache {
  /** The cached lookup of this hash, or `load`'s answer (an unknown or revoked key is never cached). */
  lookup(tokenHash: string, load: () => Promise<ApiKeyWithAccount | undefined>): Promise<ApiKeyWithAccount | undefined>;
  /** Drops the key from every replica's cache: after a revocation, a change of limits or a new secret. */
  invalidate(apiKeyId: string): Promise<void>;
}

export const uncachedApiKeys: ApiKeyCache = {
  lookup: (_tokenHash, load) => load(),
  invalidate: async () => undefined,
};

/**
 * For a database that only this machine's processes write (SQLite): a cached lookup is used only
 * while `version()` reads the same as when the cache last looked, and the cache starts over when it
 * changes. The version must change with every change to a key: SQLite's `data_version` moves when
 * another connection commits (the CLI, a second `serve` on the file), and `apiKeyChangeCount()`
 * when this process changes a key. Reading both costs far less than the key's query and its row.
 */
export function createVersionedApiKeyCache(version: () => string, options: { clock: () => number; ttlMs: number }): ApiKeyCache {
  const local = createLocalApiKeyCache(options);
  let seen: string | undefined;
  return {
    lookup(tokenHash, load) {
      const current = version();
      if (current !== seen) {
        local.clear();
        seen = current;
      }
      return local.lookup(tokenHash, load);
    },
    invalidate: async (apiKeyId) => local.drop(apiKeyId),
  };
}

/** One process's map; the shared cache wraps it with the channel that drops keys. */
export interface LocalApiKeyCache {
  lookup: ApiKeyCache['lookup'];
  drop(apiKeyId: string): void;
  clear(): void;
}

/** How long a versioned cache trusts a lookup even while the version stands still: a bound, not the mechanism. */
export const VERSIONED_API_KEY_CACHE_TTL_MS = 10_000;

/** Enough for every active key of a large install; past it the oldest entry makes room. */
const MAX_ENTRIES = 10_000;

export function createLocalApiKeyCache(options: { ttlMs: number; clock: () => number }): LocalApiKeyCache {
  const entries = new Map<string, { found: ApiKeyWithAccount; until: number }>();
  // A lookup that started before a drop or clear may carry the old row: it must not be stored.
  let epoch = 0;
  return {
    async lookup(tokenHash, load) {
      const cached = entries.get(tokenHash);
      if (cached !== undefined && cached.until > options.clock()) return cached.found;
      if (cached !== undefined) entries.delete(tokenHash);
      const startedIn = epoch;
      const found = await load();
      if (found !== undefined && startedIn === epoch) {
        if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
        entries.set(tokenHash, { found, until: options.clock() + options.ttlMs });
      }
      return found;
    },
    drop(apiKeyId) {
      epoch += 1;
      for (const [hash, entry] of entries) if (entry.found.apiKey.id === apiKeyId) entries.delete(hash);
    },
    clear() {
      epoch += 1;
      entries.clear();
    },
  };
}
