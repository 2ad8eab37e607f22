import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../db/database-schema.js';
import { toSafeInteger } from '../db/to-safe-integer.js';
import { ApiError } from '../errors/api-error.js';
import { formatUsd } from '../domain/money.js';

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
  /** False once revoked. */
  is_active: boolean;
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
  options: { byApiKey: boolean },
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
  if (options.byApiKey) summary.usage_by_api_key = await usageByApiKey(db, accountId);
  return summary;
}

async function usageByApiKey(db: Kysely<DatabaseSchema>, accountId: string): Promise<ApiKeyUsage[]> {
  const rows = await db
    .selectFrom('api_keys')
    .leftJoin('generations', 'generations.api_key_id', 'api_keys.id')
    .select((eb) => [
      'api_keys.id',
      'api_keys.name',
      'api_keys.created_at',
      'api_keys.revoked_at',
      eb.fn.count<number>('generations.id').as('total_requests'),
      eb.fn
        .sum<string | number | null>(
          eb.case().when('generations.status', '=', 'success').then(eb.ref('generations.cost_micros')).else(0).end(),
        )
        .as('usage_micros'),
    ])
    .where('api_keys.account_id', '=', accountId)
    .groupBy(['api_keys.id', 'api_keys.name', 'api_keys.created_at', 'api_keys.revoked_at'])
    .orderBy('api_keys.created_at')
    .orderBy('api_keys.id')
    .execute();
  return rows.map((row) => ({
    api_key_id: row.id,
    api_key_name: row.name,
    credit_usage: formatUsd(toSafeInteger(row.usage_micros, 'key usage'), CREDITS_DECIMALS),
    total_requests: toSafeInteger(row.total_requests, 'request count'),
    created_at: new Date(row.created_at).toISOString(),
    is_active: row.revoked_at === null,
  }));
}
