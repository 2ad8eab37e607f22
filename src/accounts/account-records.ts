import type { Selectable } from 'kysely';
import type { AccountsTable, ApiKeysTable } from '../db/database-schema.js';

/** An account: who pays. Keys belong to exactly one account. */
export interface AccountRecord {
  id: string;
  name: string;
  /** Micro-USD available; `null` = unlimited. */
  balanceMicros: number | null;
  createdAt: number;
}

/** An api key without its hash (which never leaves the repository). */
export interface ApiKeyRecord {
  id: string;
  accountId: string;
  name: string;
  /** The first characters of the key, for recognising it. */
  keyPrefix: string;
  isAdmin: boolean;
  createdAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

export interface ApiKeyWithAccount {
  apiKey: ApiKeyRecord;
  account: AccountRecord;
}

export function toAccountRecord(row: Selectable<AccountsTable>): AccountRecord {
  return { id: row.id, name: row.name, balanceMicros: row.balance_micros, createdAt: row.created_at };
}

export function toApiKeyRecord(row: Omit<Selectable<ApiKeysTable>, 'key_hash'>): ApiKeyRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    keyPrefix: row.key_prefix,
    isAdmin: row.is_admin === 1,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

/** Columns of an api key joined with its account, aliased so the two `id`s don't collide. */
export const API_KEY_COLUMNS = [
  'api_keys.id',
  'api_keys.account_id',
  'api_keys.name',
  'api_keys.key_prefix',
  'api_keys.is_admin',
  'api_keys.created_at',
  'api_keys.revoked_at',
  'api_keys.last_used_at',
] as const;

export const ACCOUNT_COLUMNS = [
  'accounts.id as account_row_id',
  'accounts.name as account_name',
  'accounts.balance_micros as account_balance_micros',
  'accounts.created_at as account_created_at',
] as const;

export interface JoinedApiKeyRow extends Omit<Selectable<ApiKeysTable>, 'key_hash'> {
  account_row_id: string;
  account_name: string;
  account_balance_micros: number | null;
  account_created_at: number;
}

export function toApiKeyWithAccount(row: JoinedApiKeyRow): ApiKeyWithAccount {
  return {
    apiKey: toApiKeyRecord(row),
    account: {
      id: row.account_row_id,
      name: row.account_name,
      balanceMicros: row.account_balance_micros,
      createdAt: row.account_created_at,
    },
  };
}
