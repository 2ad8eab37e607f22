import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../db/database-schema.js';
import { ApiError } from '../errors/api-error.js';
import type { ApiKeyWithAccount } from './account-records.js';
import type { ApiKeyScope } from './api-key-limits.js';
import {
  createApiKey,
  findApiKeyByToken,
  getApiKey,
  listApiKeys,
  revokeApiKey,
  rotateApiKey,
  touchApiKey,
  updateApiKey,
  type ApiKeyLimitsInput,
  type CreateApiKeyInput,
  type CreatedApiKey,
} from './api-key-repository.js';
import type { ApiKeyRecord } from './account-records.js';
import { uncachedApiKeys, type ApiKeyCache } from './api-key-cache.js';
import { hashApiKey } from './api-key-token.js';

/** The per-key request limits the use case enforces (`null` = none). */
export interface CallerRateLimits {
  requestsPerMinute: number | null;
  maxConcurrentGenerations: number | null;
}

/**
 * Who is calling: resolved from the Bearer key on every request (from the database, or a cache that
 * every replica drops a key from when it is revoked or changed, so revocation is immediate).
 */
export interface Caller {
  apiKeyId: string;
  apiKeyName: string;
  accountId: string;
  /** Whether `scopes` includes `admin`. */
  isAdmin: boolean;
  scopes: ApiKeyScope[];
  rateLimits: CallerRateLimits;
}

/** API keys as the entry points see them: authentication for every request, management for admins. */
export interface ApiKeyService {
  /** The caller a token belongs to, or `undefined` for an unknown or revoked key. Throws a 401 for an expired key. */
  authenticate(token: string): Promise<Caller | undefined>;
  list(): Promise<ApiKeyWithAccount[]>;
  /** One account's keys, revoked ones included (the account's own key management). */
  listForAccount(accountId: string): Promise<ApiKeyWithAccount[]>;
  get(id: string): Promise<ApiKeyWithAccount | undefined>;
  create(input: CreateApiKeyInput): Promise<CreatedApiKey>;
  /** `undefined` when no active key has this id. */
  update(id: string, input: ApiKeyLimitsInput & { name?: string }): Promise<ApiKeyWithAccount | undefined>;
  /** A new secret for the same key; `undefined` when no active key has this id. */
  rotate(id: string): Promise<{ key: string; apiKey: ApiKeyRecord } | undefined>;
  /** False when no active key has this id (or display prefix). */
  revoke(idOrPrefix: string): Promise<boolean>;
}

export function createApiKeyService(db: Kysely<DatabaseSchema>, clock: () => number, cache: ApiKeyCache = uncachedApiKeys): ApiKeyService {
  /** Runs a change, then drops the key from every replica's cache (after: a lookup between would cache the old row). */
  const changed = async <T>(id: string | undefined, result: T): Promise<T> => {
    if (id !== undefined) await cache.invalidate(id);
    return result;
  };
  return {
    async authenticate(token) {
      if (token === '') return undefined;
      const found = await cache.lookup(hashApiKey(token), () => findApiKeyByToken(db, token));
      if (!found) return undefined;
      const { apiKey } = found;
      const now = clock();
      if (apiKey.limits.expiresAt !== null && apiKey.limits.expiresAt <= now) {
        throw new ApiError({
          kind: 'authentication',
          code: 'expired_api_key',
          message: `This API key expired at ${new Date(apiKey.limits.expiresAt).toISOString()}. Ask your operator for a new one.`,
        });
      }
      // `last_used_at` is bookkeeping: a failed write must not fail the request, but it is worth a log line.
      touchApiKey(db, apiKey.id, now).catch((error: unknown) => {
        process.emitWarning(`Could not record the last use of key ${apiKey.id}: ${error instanceof Error ? error.message : String(error)}`);
      });
      return {
        apiKeyId: apiKey.id,
        apiKeyName: apiKey.name,
        accountId: apiKey.accountId,
        isAdmin: apiKey.isAdmin,
        scopes: apiKey.limits.scopes,
        rateLimits: {
          requestsPerMinute: apiKey.limits.requestsPerMinute,
          maxConcurrentGenerations: apiKey.limits.maxConcurrentGenerations,
        },
      };
    },
    list: () => listApiKeys(db),
    listForAccount: (accountId) => listApiKeys(db, accountId),
    get: (id) => getApiKey(db, id),
    create: (input) => createApiKey(db, { now: clock(), ...input }),
    update: async (id, input) => changed(id, await updateApiKey(db, id, input)),
    rotate: async (id) => changed(id, await rotateApiKey(db, id)),
    async revoke(idOrPrefix) {
      const revoked = await revokeApiKey(db, idOrPrefix, clock());
      return changed(revoked, revoked !== undefined);
    },
  };
}
