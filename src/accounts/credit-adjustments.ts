import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { DatabaseSchema } from '../db/database-schema.js';
import { toSafeInteger } from '../db/to-safe-integer.js';
import { formatUsd } from '../domain/money.js';
import { ApiError } from '../errors/api-error.js';
import { accountNotFound, requireAccountSummary, type AccountSummary } from './account-directory.js';
import { grantCreditsInTransaction } from './ledger.js';

/*
 * An operator's changes to an account's credits, beside `ledger.ts`'s per-generation reserve → settle
 * | release: same rule, every balance change is one ledger entry in the same transaction, so for a
 * limited account balance = sum(ledger) keeps holding.
 */

export interface CreditAdjustment {
  accountId: string;
  /** Signed micro-USD: positive grants (`grant`), negative deducts (`adjust`). Never 0. */
  amountMicros: number;
  note: string | null;
  now: number;
}

/** Grants or deducts; returns the account afterwards. A deduction may not take a limited balance below 0 (409). */
export async function adjustCredits(db: Kysely<DatabaseSchema>, input: CreditAdjustment): Promise<AccountSummary> {
  const { accountId, amountMicros, note, now } = input;
  if (!Number.isSafeInteger(amountMicros) || amountMicros === 0) {
    throw new RangeError(`amountMicros must be a non-zero integer number of micro-USD, got ${amountMicros}`);
  }
  return db.transaction().execute(async (trx) => {
    if (amountMicros > 0) await grantCreditsInTransaction(trx, accountId, amountMicros, note, now);
    else await deductInTransaction(trx, accountId, -amountMicros, note, now);
    return requireAccountSummary(trx, accountId);
  });
}

async function deductInTransaction(trx: Transaction<DatabaseSchema>, accountId: string, micros: number, note: string | null, now: number) {
  // One conditional UPDATE, like a reserve: a concurrent reserve can never make this overdraw.
  const updated = await trx
    .updateTable('accounts')
    .set((eb) => ({ balance_micros: eb('balance_micros', '-', micros) }))
    .where('id', '=', accountId)
    .where((eb) => eb.or([eb('balance_micros', 'is', null), eb('balance_micros', '>=', micros)]))
    .executeTakeFirst();
  if (updated.numUpdatedRows === 0n) {
    const account = await trx.selectFrom('accounts').select('balance_micros').where('id', '=', accountId).executeTakeFirst();
    if (account === undefined) throw accountNotFound(accountId);
    const balance = toSafeInteger(account.balance_micros, 'balance');
    throw new ApiError({
      kind: 'invalid_request',
      status: 409,
      param: 'amount',
      code: 'balance_too_low',
      message: `Cannot deduct $${formatUsd(micros, 6)}: the account has $${formatUsd(balance, 6)} left and a balance may not go below 0.`,
    });
  }
  await insertAdjustEntry(trx, accountId, -micros, note, now);
}

/**
 * Makes an account unlimited (balance NULL; the ledger keeps counting) or limited again. A limited
 * balance starts from the ledger's sum, so balance = sum(ledger) holds at once, holds in flight
 * included; a negative sum (an unlimited account spends more than it was granted) is brought to 0
 * by an `adjust` entry.
 */
export async function setUnlimited(db: Kysely<DatabaseSchema>, accountId: string, unlimited: boolean, now: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    // A no-op write first: it takes the account's row lock (PostgreSQL; SQLite's lock is the whole
    // file), so no reserve can move between the sum below and the new balance.
    const locked = await trx
      .updateTable('accounts')
      .set((eb) => ({ balance_micros: eb.ref('balance_micros') }))
      .where('id', '=', accountId)
      .returning('balance_micros')
      .executeTakeFirst();
    if (locked === undefined) throw accountNotFound(accountId);
    if (unlimited) {
      await trx.updateTable('accounts').set({ balance_micros: null }).where('id', '=', accountId).execute();
      return;
    }
    if (locked.balance_micros !== null) return;
    const sum = await trx
      .selectFrom('ledger_entries')
      .select((eb) => eb.fn.sum<string | number | null>('amount_micros').as('micros'))
      .where('account_id', '=', accountId)
      .executeTakeFirstOrThrow();
    const ledgerMicros = toSafeInteger(sum.micros, 'ledger sum');
    if (ledgerMicros < 0)
      await insertAdjustEntry(trx, accountId, -ledgerMicros, 'limited again: spending beyond grants written off to 0', now);
    await trx
      .updateTable('accounts')
      .set({ balance_micros: Math.max(0, ledgerMicros) })
      .where('id', '=', accountId)
      .execute();
  });
}

async function insertAdjustEntry(
  trx: Transaction<DatabaseSchema>,
  accountId: string,
  amountMicros: number,
  note: string | null,
  now: number,
) {
  await trx
    .insertInto('ledger_entries')
    .values({
      id: randomUUID(),
      account_id: accountId,
      kind: 'adjust',
      amount_micros: amountMicros,
      generation_id: null,
      note,
      created_at: now,
    })
    .execute();
}
