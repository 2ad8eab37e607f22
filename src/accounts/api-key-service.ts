import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../db/database-schema.js';
import type { ApiKeyWithAccount } from './account-records.js';
import {
  createApiKey,
  findApiKeyByToken,
  listApiKeys,
  revokeApiKey,
  touchApiKey,
  type CreateApiKeyInput,
  type CreatedApiKey,
} from './api-key-repository.js';

/** Who is calling: resolved from the Bearer key on every request (never cached, so revocation is immediate). */
export interface Caller {
  apiKeyId: string;
  apiKeyName: string;
  accountId: string;
  isAdmin: boolean;
}

/** API keys as the entry points see them: authentication for every request, management for admins. */
export interface ApiKeyService {
  /** The caller a token belongs to, or `undefined` for an unknown or revoked key. */
  authenticate(token: string): Promise<Caller | undefined>;
  list(): Promise<ApiKeyWithAccount[]>;
  create(input: CreateApiKeyInput): Promise<CreatedApiKey>;
  /** False when no active key has this id (or display prefix). */
  revoke(idOrPrefix: string): Promise<boolean>;
}

export function createApiKeyService(db: Kysely<DatabaseSchema>, clock: () => number): ApiKeyService {
  return {
    async authenticate(token) {
      const found = await findApiKeyByToken(db, token);
      if (!found) return undefined;
      const { apiKey } = found;
      // `last_used_at` is bookkeeping: a failed write must not fail the request, but it is worth a log line.
      touchApiKey(db, apiKey.id, clock()).catch((error: unknown) => {
        process.emitWarning(`Could not record the last use of key ${apiKey.id}: ${error instanceof Error ? error.message : String(error)}`);
      });
      return { apiKeyId: apiKey.id, apiKeyName: apiKey.name, accountId: apiKey.accountId, isAdmin: apiKey.isAdmin };
    },
    list: () => listApiKeys(db),
    create: (input) => createApiKey(db, input),
    revoke: (idOrPrefix) => revokeApiKey(db, idOrPrefix, clock()),
  };
}
