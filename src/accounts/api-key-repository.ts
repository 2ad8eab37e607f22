import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { DatabaseSchema } from '../db/database-schema.js';
import { prepareQuery } from '../db/prepared-query.js';
import { ApiError } from '../errors/api-error.js';
import {
  ACCOUNT_COLUMNS,
  API_KEY_COLUMNS,
  type AccountRecord,
  type ApiKeyRecord,
  type ApiKeyWithAccount,
  toAccountRecord,
  toApiKeyRecord,
  toApiKeyWithAccount,
} from './account-records.js';
import { ADMIN_SCOPES, DEFAULT_SCOPES, formatScopes, type ApiKeyScope, type SpendLimit } from './api-key-limits.js';
import { apiKeyDisplayPrefix, generateApiKey, hashApiKey } from './api-key-token.js';
import { grantCreditsInTransaction } from './ledger.js';

/** Limits of a key; on update, an absent field is left as it is and `null` removes the limit. */
export interface ApiKeyLimitsInput {
  scopes?: ApiKeyScope[];
  expiresAt?: number | null;
  spendLimit?: SpendLimit | null;
  requestsPerMinute?: number | null;
  maxConcurrentGenerations?: number | null;
}

export interface CreateApiKeyInput extends ApiKeyLimitsInput {
  name: string;
  /** Shorthand for every scope (`generate read admin`); `scopes` wins when both are given. */
  admin?: boolean;
  /**
   * New account: `undefined`/`null` → unlimited, a number → that balance (written as a grant).
   * Existing account: a number is granted on top; an unlimited account stays unlimited.
   */
  creditsMicros?: number | null;
  /** Add the key to this account instead of creating one named after the key. */
  accountId?: string;
  now?: number;
}

export interface CreatedApiKey {
  /** The plaintext key. Shown once: only its hash is stored. */
  key: string;
  apiKey: ApiKeyRecord;
  account: AccountRecord;
}

/** The name of the account and key that `ensureAdminKey` creates. */
export const ENV_ADMIN_KEY_NAME = 'admin (IMAGEROUTER_ADMIN_KEY)';

export async function createApiKey(db: Kysely<DatabaseSchema>, input: CreateApiKeyInput): Promise<CreatedApiKey> {
  const name = input.name.trim();
  if (name === '') throw new ApiError({ kind: 'invalid_request', param: 'name', message: 'An api key needs a name' });
  const now = input.now ?? Date.now();
  const credits = input.creditsMicros ?? null;
  const key = generateApiKey();
  return db.transaction().execute(async (trx) => {
    // An unknown account is a 404 here rather than a foreign-key error at the insert.
    const accountId =
      input.accountId === undefined
        ? await insertAccount(trx, name, credits === null ? null : 0, now)
        : (await requireAccount(trx, input.accountId)).id;
    const scopes = input.scopes ?? (input.admin ? ADMIN_SCOPES : DEFAULT_SCOPES);
    const apiKey = await insertApiKey(trx, { accountId, name, key, limits: { ...input, scopes: [...scopes] }, now });
    if (credits !== null && credits > 0) {
      await grantCreditsInTransaction(trx, accountId, credits, `credits of new api key '${name}'`, now);
    }
    return { key, apiKey, account: await requireAccount(trx, accountId) };
  });
}

/**
 * The key's record and account, or `undefined` when the token is unknown or revoked (expired keys
 * are returned: the caller says so, which is kinder than "invalid"). Looked up by hash; the
 * service may cache the answer briefly (`api-key-cache.ts`), dropped on every replica when the key
 * changes (the public service cached keys for long and stored them in plain text).
 */
export async function findApiKeyByToken(db: Kysely<DatabaseSchema>, token: string): Promise<ApiKeyWithAccount | undefined> {
  if (token === '') return undefined;
  const row = (await findActiveKeyQuery.execute(db, { keyHash: hashApiKey(token) })).rows[0];
  return row === undefined ? undefined : toApiKeyWithAccount(row);
}

/** Every request's key lookup (unless cached): prepared once (`db/prepared-query.ts`). */
const findActiveKeyQuery = prepareQuery((db, args: { keyHash: string }) =>
  db
    .selectFrom('api_keys')
    .innerJoin('accounts', 'accounts.id', 'api_keys.account_id')
    .select([...API_KEY_COLUMNS, ...ACCOUNT_COLUMNS])
    .where('api_keys.key_hash', '=', args.keyHash)
    .where('api_keys.revoked_at', 'is', null),
);

/**
 * Changes this process made to what authentication reads of a key (revoked, scopes, limits,
 * secret): a cache of key lookups compares it (`createVersionedApiKeyCache`). Counted here, where
 * every such write is, so no caller can change a key without it.
 */
let apiKeyChanges = 0;

export function apiKeyChangeCount(): number {
  return apiKeyChanges;
}

/** Keys whose `last_used_at` is this fresh are not written again: one write per key per minute, not per request. */
export const TOUCH_INTERVAL_MS = 60_000;
const lastTouchByDatabase = new WeakMap<object, Map<string, number>>();

/**
 * Records that a key was used. Throttled in memory per process, so `last_used_at` may lag by up
 * to a minute (per replica). Returns whether it wrote. Best-effort: callers should not make the
 * request wait for it and should log, not surface, a failure.
 */
export async function touchApiKey(db: Kysely<DatabaseSchema>, id: string, now: number): Promise<boolean> {
  let lastTouch = lastTouchByDatabase.get(db);
  if (lastTouch === undefined) {
    lastTouch = new Map();
    lastTouchByDatabase.set(db, lastTouch);
  }
  const previous = lastTouch.get(id);
  if (previous !== undefined && now - previous < TOUCH_INTERVAL_MS) return false;
  // Claimed before the write, so concurrent requests of one key don't all write.
  lastTouch.set(id, now);
  await db
    .updateTable('api_keys')
    .set({ last_used_at: now })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', now)]))
    .execute();
  return true;
}

/** Every key (or one account's), revoked ones included, oldest first, with its account. */
export async function listApiKeys(db: Kysely<DatabaseSchema>, accountId?: string): Promise<ApiKeyWithAccount[]> {
  let query = db
    .selectFrom('api_keys')
    .innerJoin('accounts', 'accounts.id', 'api_keys.account_id')
    .select([...API_KEY_COLUMNS, ...ACCOUNT_COLUMNS]);
  if (accountId !== undefined) query = query.where('api_keys.account_id', '=', accountId);
  const rows = await query.orderBy('api_keys.created_at').orderBy('api_keys.id').execute();
  return rows.map(toApiKeyWithAccount);
}

/**
 * Revokes the active key with this id, or else the one active key with this display prefix.
 * Returns the revoked key's id, `undefined` when nothing matched; throws `invalid_request` when a
 * prefix matches several keys.
 */
export async function revokeApiKey(db: Kysely<DatabaseSchema>, idOrPrefix: string, now: number = Date.now()): Promise<string | undefined> {
  const candidates = await db
    .selectFrom('api_keys')
    .select(['id', 'key_prefix'])
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('id', '=', idOrPrefix), eb('key_prefix', '=', idOrPrefix)]))
    .execute();
  const exact = candidates.find((candidate) => candidate.id === idOrPrefix);
  if (exact === undefined && candidates.length > 1) {
    throw new ApiError({
      kind: 'invalid_request',
      message: `'${idOrPrefix}' matches ${candidates.length} api keys; revoke by id instead`,
    });
  }
  const target = exact ?? candidates[0];
  if (target === undefined) return undefined;
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('id', '=', target.id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  apiKeyChanges += 1;
  return result.numUpdatedRows > 0n ? target.id : undefined;
}

/**
 * Makes sure `key` (from IMAGEROUTER_ADMIN_KEY) authenticates as an admin: creates it with its own
 * unlimited account, or re-activates it if it had been revoked or demoted. The environment is the
 * source of truth for this key; to retire it, remove it from the environment. Idempotent and safe
 * when replicas start together.
 */
export async function ensureAdminKey(db: Kysely<DatabaseSchema>, key: string, now: number = Date.now()): Promise<ApiKeyRecord> {
  const keyHash = hashApiKey(key);
  const existing = await findKeyIdByHash(db, keyHash);
  if (existing !== undefined) return activateAdminKey(db, existing);
  try {
    return await db.transaction().execute(async (trx) => {
      const accountId = await insertAccount(trx, ENV_ADMIN_KEY_NAME, null, now);
      return insertApiKey(trx, { accountId, name: ENV_ADMIN_KEY_NAME, key, limits: { scopes: [...ADMIN_SCOPES] }, now });
    });
  } catch (error) {
    // Another replica inserted the same hash between our read and our insert: use its row.
    const inserted = await findKeyIdByHash(db, keyHash);
    if (inserted === undefined) throw error;
    return activateAdminKey(db, inserted);
  }
}

/** Admin keys that can still authenticate. */
export async function countAdminKeys(db: Kysely<DatabaseSchema>): Promise<number> {
  const row = await db
    .selectFrom('api_keys')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('scopes', 'like', '%admin%')
    .where('revoked_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

async function findKeyIdByHash(db: Kysely<DatabaseSchema>, keyHash: string): Promise<string | undefined> {
  const row = await db.selectFrom('api_keys').select('id').where('key_hash', '=', keyHash).executeTakeFirst();
  return row?.id;
}

async function activateAdminKey(db: Kysely<DatabaseSchema>, id: string): Promise<ApiKeyRecord> {
  await db
    .updateTable('api_keys')
    .set({ scopes: formatScopes(ADMIN_SCOPES), revoked_at: null, expires_at: null })
    .where('id', '=', id)
    .execute();
  apiKeyChanges += 1;
  const row = await db.selectFrom('api_keys').select(API_KEY_COLUMNS).where('id', '=', id).executeTakeFirstOrThrow();
  return toApiKeyRecord(row);
}

async function insertAccount(trx: Transaction<DatabaseSchema>, name: string, balanceMicros: number | null, now: number): Promise<string> {
  const id = randomUUID();
  await trx.insertInto('accounts').values({ id, name, balance_micros: balanceMicros, created_at: now }).execute();
  return id;
}

async function requireAccount(trx: Transaction<DatabaseSchema>, accountId: string): Promise<AccountRecord> {
  const row = await trx.selectFrom('accounts').selectAll().where('id', '=', accountId).executeTakeFirst();
  if (row === undefined) throw new ApiError({ kind: 'not_found', message: `Account '${accountId}' not found` });
  return toAccountRecord(row);
}

async function insertApiKey(
  trx: Transaction<DatabaseSchema>,
  values: { accountId: string; name: string; key: string; limits: ApiKeyLimitsInput & { scopes: readonly ApiKeyScope[] }; now: number },
): Promise<ApiKeyRecord> {
  const { limits } = values;
  const row = {
    id: randomUUID(),
    account_id: values.accountId,
    name: values.name,
    key_hash: hashApiKey(values.key),
    key_prefix: apiKeyDisplayPrefix(values.key),
    scopes: formatScopes(limits.scopes),
    created_at: values.now,
    revoked_at: null,
    last_used_at: null,
    expires_at: limits.expiresAt ?? null,
    spend_limit_micros: limits.spendLimit?.micros ?? null,
    spend_limit_period: limits.spendLimit?.period ?? null,
    period_start: null,
    period_spent_micros: 0,
    requests_per_minute: limits.requestsPerMinute ?? null,
    max_concurrent_generations: limits.maxConcurrentGenerations ?? null,
  };
  await trx.insertInto('api_keys').values(row).execute();
  return toApiKeyRecord(row);
}

/** The key with this id and its account, revoked or not. */
export async function getApiKey(db: Kysely<DatabaseSchema>, id: string): Promise<ApiKeyWithAccount | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .innerJoin('accounts', 'accounts.id', 'api_keys.account_id')
    .select([...API_KEY_COLUMNS, ...ACCOUNT_COLUMNS])
    .where('api_keys.id', '=', id)
    .executeTakeFirst();
  return row === undefined ? undefined : toApiKeyWithAccount(row);
}

/**
 * Changes a key's name, scopes or limits; they apply from the next request (keys are read per
 * request). Returns `undefined` for an unknown or revoked key. Changing the spend period starts
 * the count afresh (the old period's spend says nothing about the new one).
 */
export async function updateApiKey(
  db: Kysely<DatabaseSchema>,
  id: string,
  input: ApiKeyLimitsInput & { name?: string },
): Promise<ApiKeyWithAccount | undefined> {
  const changes: Partial<{
    name: string;
    scopes: string;
    expires_at: number | null;
    spend_limit_micros: number | null;
    spend_limit_period: string | null;
    requests_per_minute: number | null;
    max_concurrent_generations: number | null;
  }> = {};
  if (input.name !== undefined) {
    const name = input.name.trim();
    if (name === '') throw new ApiError({ kind: 'invalid_request', param: 'name', message: 'An api key needs a name' });
    changes.name = name;
  }
  if (input.scopes !== undefined) changes.scopes = formatScopes(input.scopes);
  if (input.expiresAt !== undefined) changes.expires_at = input.expiresAt;
  if (input.spendLimit !== undefined) {
    changes.spend_limit_micros = input.spendLimit?.micros ?? null;
    changes.spend_limit_period = input.spendLimit?.period ?? null;
  }
  if (input.requestsPerMinute !== undefined) changes.requests_per_minute = input.requestsPerMinute;
  if (input.maxConcurrentGenerations !== undefined) changes.max_concurrent_generations = input.maxConcurrentGenerations;
  if (Object.keys(changes).length > 0) {
    const result = await db.updateTable('api_keys').set(changes).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    apiKeyChanges += 1;
    if (result.numUpdatedRows === 0n) return undefined;
  }
  const found = await getApiKey(db, id);
  return found?.apiKey.revokedAt === null ? found : undefined;
}

/**
 * Replaces a key's secret: the old token stops working at once, the id, account, limits and the
 * period's spend stay. Returns the new plaintext (shown once), or `undefined` for an unknown or
 * revoked key.
 */
export async function rotateApiKey(db: Kysely<DatabaseSchema>, id: string): Promise<{ key: string; apiKey: ApiKeyRecord } | undefined> {
  const key = generateApiKey();
  const result = await db
    .updateTable('api_keys')
    .set({ key_hash: hashApiKey(key), key_prefix: apiKeyDisplayPrefix(key) })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  apiKeyChanges += 1;
  if (result.numUpdatedRows === 0n) return undefined;
  const found = await getApiKey(db, id);
  return found === undefined ? undefined : { key, apiKey: found.apiKey };
}
