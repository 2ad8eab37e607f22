import type { Selectable } from 'kysely';
import type { AccountsTable, ApiKeysTable } from '../db/database-schema.js';
import { isSpendPeriod, parseScopes, type ApiKeyLimits, type ApiKeyScope } from './api-key-limits.js';

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
  /** Whether `limits.scopes` includes `admin`. */
  isAdmin: boolean;
  limits: ApiKeyLimits;
  /** The spend of the current or last period counted (see `periodStart`); 0 before any limited spend. */
  periodSpentMicros: number;
  /** Start of the period `periodSpentMicros` counts; `null` before the first limited spend. */
  periodStart: number | null;
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
  const scopes: ApiKeyScope[] = parseScopes(row.scopes);
  const period = row.spend_limit_period;
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    keyPrefix: row.key_prefix,
    isAdmin: scopes.includes('admin'),
    limits: {
      scopes,
      expiresAt: row.expires_at,
      spendLimit:
        row.spend_limit_micros === null || period === null || !isSpendPeriod(period) ? null : { micros: row.spend_limit_micros, period },
      requestsPerMinute: row.requests_per_minute,
      maxConcurrentGenerations: row.max_concurrent_generations,
    },
    periodSpentMicros: row.period_spent_micros,
    periodStart: row.period_start,
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
  'api_keys.scopes',
  'api_keys.created_at',
  'api_keys.revoked_at',
  'api_keys.last_used_at',
  'api_keys.expires_at',
  'api_keys.spend_limit_micros',
  'api_keys.spend_limit_period',
  'api_keys.period_start',
  'api_keys.period_spent_micros',
  'api_keys.requests_per_minute',
  'api_keys.max_concurrent_generations',
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
