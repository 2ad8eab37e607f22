import { type Transaction, sql } from 'kysely';
import type { DatabaseSchema } from '../db/database-schema.js';
import { prepareQuery } from '../db/prepared-query.js';
import { isSpendPeriod, periodEndOf, periodStartOf, type SpendLimit } from './api-key-limits.js';

/** A key's spend limit would be crossed: what the client is told. */
export interface SpendLimitReached {
  limit: SpendLimit;
  periodStart: number;
  /** Held and charged in the current period before this request. */
  spentMicros: number;
  resetsAt: number;
}

export type KeySpendOutcome = { counted: true; periodStart: number | null } | { counted: false; reached: SpendLimitReached };

/** Attempts when an operator changes the limit between our read and our write (the write then misses on purpose). */
const MAX_ATTEMPTS = 3;

/**
 * Counts a hold against its key's spend limit inside the reserve's transaction. The check and the
 * increment are one conditional UPDATE of the key row, so concurrent requests can't cross the limit
 * together (the same rule as the balance). The counter restarts when the UTC period changes.
 * Keys without a limit are not counted (`periodStart: null`).
 */
export async function countKeySpend(
  trx: Transaction<DatabaseSchema>,
  input: { apiKeyId: string; generationId: string; amountMicros: number; now: number },
): Promise<KeySpendOutcome> {
  const amount = input.amountMicros;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const key = await readLimit(trx, input.apiKeyId);
    if (key === undefined || key.spend_limit_micros === null || key.spend_limit_period === null || !isSpendPeriod(key.spend_limit_period)) {
      return { counted: true, periodStart: null };
    }
    const period = key.spend_limit_period;
    const start = periodStartOf(period, input.now);
    const spentInPeriod = sql<number>`(case when period_start = ${start} then period_spent_micros else 0 end)`;
    const updated = await trx
      .updateTable('api_keys')
      .set({ period_spent_micros: sql<number>`${spentInPeriod} + ${amount}`, period_start: start })
      .where('id', '=', input.apiKeyId)
      .where('spend_limit_micros', '=', key.spend_limit_micros)
      .where('spend_limit_period', '=', period)
      .where(sql<boolean>`${spentInPeriod} + ${amount} <= spend_limit_micros`)
      .executeTakeFirst();
    if (updated.numUpdatedRows > 0n) {
      await trx.updateTable('generations').set({ spend_period_start: start }).where('id', '=', input.generationId).execute();
      return { counted: true, periodStart: start };
    }
    const now = await readLimit(trx, input.apiKeyId);
    if (now?.spend_limit_micros === key.spend_limit_micros && now.spend_limit_period === period) {
      return {
        counted: false,
        reached: {
          limit: { micros: key.spend_limit_micros, period },
          periodStart: start,
          spentMicros: now.period_start === start ? now.period_spent_micros : 0,
          resetsAt: periodEndOf(period, start),
        },
      };
    }
  }
  throw new Error(`The spend limit of key ${input.apiKeyId} kept changing while a request was counted against it`);
}

/**
 * Gives the part of a hold that was not charged back to the key's period, when the generation was
 * counted there and that period is still the key's current one (a past period's spend is history).
 */
export async function refundKeySpend(trx: Transaction<DatabaseSchema>, generationId: string, refundMicros: number): Promise<void> {
  if (refundMicros <= 0) return;
  await refundKeySpendQuery.execute(trx, { generationId, refundMicros });
}

/**
 * One statement on the settle's path, prepared once (`db/prepared-query.ts`): the generation row
 * names the key and the period it was counted in (NULL when its key had no limit, which matches
 * no key row).
 */
const refundKeySpendQuery = prepareQuery((db, args: { generationId: string; refundMicros: number }) => {
  const generation = db.selectFrom('generations').where('id', '=', args.generationId);
  return db
    .updateTable('api_keys')
    .set({
      period_spent_micros: sql<number>`case when period_spent_micros > ${args.refundMicros} then period_spent_micros - ${args.refundMicros} else 0 end`,
    })
    .where('id', '=', generation.select('api_key_id'))
    .where('period_start', '=', generation.select('spend_period_start'));
});

async function readLimit(trx: Transaction<DatabaseSchema>, apiKeyId: string) {
  return (await readLimitQuery.execute(trx, { apiKeyId })).rows[0];
}

const readLimitQuery = prepareQuery((db, args: { apiKeyId: string }) =>
  db
    .selectFrom('api_keys')
    .select(['spend_limit_micros', 'spend_limit_period', 'period_start', 'period_spent_micros'])
    .where('id', '=', args.apiKeyId),
);
