import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../db/database-schema.js';
import { toSafeInteger } from '../db/to-safe-integer.js';
import { ApiError } from '../errors/api-error.js';
import { formatUsd } from '../domain/money.js';
import { API_KEY_COLUMNS, toApiKeyRecord } from './account-records.js';
import type { ApiKeyScope, SpendPeriod } from './api-key-limits.js';
import { keyPeriodSpend } from './key-period-spend.js';

/** The public service prints credits with `toFixed(4)`; clients parse these strings. */
export const CREDITS_DECIMALS = 4;

/** One item of `usage_by_api_key`. */
export interface ApiKeyUsage {
  api_key_id: string;
  api_key_name: string;
  /** USD charged for this key's successful generations. */
  credit_usage: string;
  /** Every generation of the key, failed ones included (as the public service counts). */
  total_requests: number;
  /** ISO 8601. */
  created_at: string | null;
  /** False once revoked or expired. */
  is_active: boolean;
  /** ISO 8601; `null` = never. */
  expires_at: string | null;
  scopes: ApiKeyScope[];
  /** USD per `spend_limit_period`; `null` = no limit. */
  spend_limit: string | null;
  spend_limit_period: SpendPeriod | null;
  /** USD charged plus held in the current period (only with a spend limit). */
  period_spend: string | null;
  /** ISO 8601 start of the current period (only with a spend limit). */
  period_start: string | null;
  /** ISO 8601: when the period's spend resets (only with a spend limit). */
  period_resets_at: string | null;
  requests_per_minute: number | null;
  max_concurrent_generations: number | null;
}

/** The body of `GET /v1/credits` as the public service answers it, plus `unlimited`. */
export interface CreditsSummary {
  /** USD left; `null` for an unlimited account. */
  remaining_credits: string | null;
  /** USD charged for successful generations. */
  credit_usage: string;
  /** USD granted to the account, ever. */
  total_deposits: string;
  unlimited: boolean;
  /** Only with `by_api_key=true`: every key of the account, oldest first, used or not. */
  usage_by_api_key?: ApiKeyUsage[];
}

export async function creditsSummary(
  db: Kysely<DatabaseSchema>,
  accountId: string,
  options: { byApiKey: boolean; now?: number },
): Promise<CreditsSummary> {
  const account = await db.selectFrom('accounts').select('balance_micros').where('id', '=', accountId).executeTakeFirst();
  if (account === undefined) throw new ApiError({ kind: 'not_found', message: `Account '${accountId}' not found` });
  const [deposits, usage] = await Promise.all([
    db
      .selectFrom('ledger_entries')
      .select((eb) => eb.fn.sum<string | number | null>('amount_micros').as('micros'))
      .where('account_id', '=', accountId)
      .where('kind', '=', 'grant')
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('generations')
      .select((eb) => eb.fn.sum<string | number | null>('cost_micros').as('micros'))
      .where('account_id', '=', accountId)
      .where('status', '=', 'success')
      .executeTakeFirstOrThrow(),
  ]);
  const summary: CreditsSummary = {
    remaining_credits: account.balance_micros === null ? null : formatUsd(account.balance_micros, CREDITS_DECIMALS),
    // SUM over BIGINT is NUMERIC (a string) on PostgreSQL and NULL over no rows on both dialects.
    credit_usage: formatUsd(toSafeInteger(usage.micros, 'credit usage'), CREDITS_DECIMALS),
    total_deposits: formatUsd(toSafeInteger(deposits.micros, 'total deposits'), CREDITS_DECIMALS),
    unlimited: account.balance_micros === null,
  };
  if (options.byApiKey) summary.usage_by_api_key = await usageByApiKey(db, accountId, options.now ?? Date.now());
  return summary;
}

async function usageByApiKey(db: Kysely<DatabaseSchema>, accountId: string, now: number): Promise<ApiKeyUsage[]> {
  const rows = await db
    .selectFrom('api_keys')
    .leftJoin('generations', 'generations.api_key_id', 'api_keys.id')
    .select((eb) => [
      ...API_KEY_COLUMNS,
      eb.fn.count<number>('generations.id').as('total_requests'),
      eb.fn
        .sum<string | number | null>(
          eb.case().when('generations.status', '=', 'success').then(eb.ref('generations.cost_micros')).else(0).end(),
        )
        .as('usage_micros'),
    ])
    .where('api_keys.account_id', '=', accountId)
    .groupBy([...API_KEY_COLUMNS])
    .orderBy('api_keys.created_at')
    .orderBy('api_keys.id')
    .execute();
  return rows.map((row) => {
    const apiKey = toApiKeyRecord(row);
    const spend = keyPeriodSpend(apiKey, now);
    const { expiresAt } = apiKey.limits;
    const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());
    return {
      api_key_id: row.id,
      api_key_name: row.name,
      credit_usage: formatUsd(toSafeInteger(row.usage_micros, 'key usage'), CREDITS_DECIMALS),
      total_requests: toSafeInteger(row.total_requests, 'request count'),
      created_at: new Date(row.created_at).toISOString(),
      is_active: row.revoked_at === null && (expiresAt === null || expiresAt > now),
      expires_at: iso(expiresAt),
      scopes: apiKey.limits.scopes,
      spend_limit: spend === null ? null : formatUsd(spend.limit.micros, CREDITS_DECIMALS),
      spend_limit_period: spend?.limit.period ?? null,
      period_spend: spend === null ? null : formatUsd(spend.spentMicros, CREDITS_DECIMALS),
      period_start: iso(spend?.periodStart),
      period_resets_at: iso(spend?.resetsAt),
      requests_per_minute: apiKey.limits.requestsPerMinute,
      max_concurrent_generations: apiKey.limits.maxConcurrentGenerations,
    };
  });
}
