import { randomUUID } from 'node:crypto';
import { type Kysely, type Transaction, sql } from 'kysely';
import type { DatabaseSchema, LedgerEntryKind } from '../db/database-schema.js';
import { prepareQuery } from '../db/prepared-query.js';
import { ApiError } from '../errors/api-error.js';
import { countKeySpend, refundKeySpend, type SpendLimitReached } from './key-spend.js';

/*
 * Credits move in three steps per generation: reserve (before any upstream call) → settle (on
 * success: keep the cost, give back the rest) or release (on failure: give back everything).
 * Every movement is one ledger entry written in the same transaction as the balance change, so
 * for a limited account `balance_micros = sum(ledger_entries.amount_micros)` always holds.
 * Unlimited accounts (balance NULL) get the same entries; `NULL ± x` keeps them NULL.
 */

/**
 * The predicate of the partial unique index `ledger_entries_closing_once` (migration 0001), written
 * identically: PostgreSQL and SQLite pick the ON CONFLICT arbiter index by matching it.
 */
const LEDGER_CLOSING_PREDICATE = sql<boolean>`kind in ('settle', 'release')`;

export interface ReserveCreditsInput {
  accountId: string;
  /** Micro-USD to hold, >= 0. */
  amountMicros: number;
  generationId: string;
  /** The key that asked: its spend limit, if it has one, is checked and counted in the same transaction. */
  apiKeyId?: string;
  now?: number;
}

/** Why a hold was refused, if it was. */
export type ReserveOutcome =
  { ok: true } | { ok: false; reason: 'balance' } | { ok: false; reason: 'spend_limit'; reached: SpendLimitReached };

/**
 * A refused hold, thrown inside the reserve's transaction so that everything it wrote there (the
 * key's count, or a caller's own rows) rolls back; `reserveHold` turns it back into its outcome.
 */
export class HoldRefused extends Error {
  constructor(readonly outcome: Extract<ReserveOutcome, { ok: false }>) {
    super(`hold refused: ${outcome.reason}`);
    this.name = 'HoldRefused';
  }
}

export interface SettleCreditsInput {
  accountId: string;
  generationId: string;
  /** What `reserveCredits` held for this generation. */
  reservedMicros: number;
  /** The final price of what was delivered. */
  costMicros: number;
  now?: number;
}

export interface ReleaseCreditsInput {
  accountId: string;
  generationId: string;
  reservedMicros: number;
  /** Why the reserve is given back, e.g. the error type. */
  note?: string;
  now?: number;
}

export interface SettlementResult {
  /** False when this generation's reserve was already settled or released: nothing changed. */
  applied: boolean;
  /** Micro-USD given back to the account. */
  refundedMicros: number;
  /** Micro-USD kept: record this as the generation's cost. Never more than the reserve. */
  chargedMicros: number;
}

/**
 * Holds credits for a generation. The balance check and the decrement are ONE conditional UPDATE,
 * so concurrent requests can never overdraw (the public service checked a
 * snapshot taken at auth time). Returns false, writing nothing, when the balance is too low.
 */
export async function reserveCredits(db: Kysely<DatabaseSchema>, input: ReserveCreditsInput): Promise<boolean> {
  return (await reserveHold(db, input)).ok;
}

/**
 * `reserveCredits` that says why a hold was refused: the account's balance or the key's spend limit
 * for the period. Both are checked and moved in one transaction, so neither can be crossed by
 * concurrent requests, and a refusal writes nothing.
 */
export async function reserveHold(db: Kysely<DatabaseSchema>, input: ReserveCreditsInput): Promise<ReserveOutcome> {
  if (input.amountMicros === 0) return { ok: true };
  try {
    await db.transaction().execute((trx) => reserveHoldInTransaction(trx, input));
    return { ok: true };
  } catch (error) {
    if (error instanceof HoldRefused) return error.outcome;
    throw error;
  }
}

/**
 * `reserveHold` inside the caller's transaction (the generation's record is inserted in the same
 * one, so a request writes once before calling a provider). A refusal throws `HoldRefused`, which
 * must roll the caller's transaction back.
 */
export async function reserveHoldInTransaction(trx: Transaction<DatabaseSchema>, input: ReserveCreditsInput): Promise<void> {
  const amount = requireMicros(input.amountMicros, 'amountMicros');
  // Nothing to hold; a free generation needs no ledger line (its settle is skipped as well).
  if (amount === 0) return;
  const now = input.now ?? Date.now();
  const apiKeyId = input.apiKeyId;
  if (apiKeyId !== undefined) {
    const counted = await countKeySpend(trx, { apiKeyId, generationId: input.generationId, amountMicros: amount, now });
    if (!counted.counted) throw new HoldRefused({ ok: false, reason: 'spend_limit', reached: counted.reached });
  }
  const result = await holdBalanceQuery.execute(trx, { accountId: input.accountId, amount });
  // The key's count above rolls back with the transaction.
  if (!result.numAffectedRows) throw new HoldRefused({ ok: false, reason: 'balance' });
  await insertLedgerEntry(trx, input.accountId, 'reserve', -amount, input.generationId, null, now);
}

/**
 * Closes a reserve after success: the account keeps `min(cost, reserved)` and gets the rest back.
 * A cost above the reserve is NOT charged beyond it (the quote was what the client agreed to);
 * the entry's note records the difference so operators can fix the price table.
 * At most one settle or release per generation is applied (a unique index enforces it).
 */
export async function settleCredits(db: Kysely<DatabaseSchema>, input: SettleCreditsInput): Promise<SettlementResult> {
  return db.transaction().execute((trx) => settleCreditsInTransaction(trx, input));
}

/**
 * `settleCredits` inside the caller's transaction, so the settle and the generation's record
 * commit or roll back together: a ledger that charged must never sit beside a record that says
 * the generation failed.
 */
export async function settleCreditsInTransaction(trx: Transaction<DatabaseSchema>, input: SettleCreditsInput): Promise<SettlementResult> {
  const reserved = requireMicros(input.reservedMicros, 'reservedMicros');
  const cost = requireMicros(input.costMicros, 'costMicros');
  const charged = Math.min(cost, reserved);
  const refunded = reserved - charged;
  if (reserved === 0 && cost === 0) return { applied: true, refundedMicros: 0, chargedMicros: 0 };
  const note =
    cost > reserved ? `cost ${cost} micro-USD exceeded the reserve ${reserved} by ${cost - reserved}; charged the reserve only` : null;
  const applied = await closeReserve(trx, input.accountId, input.generationId, 'settle', refunded, note, input.now ?? Date.now());
  return applied ? { applied, refundedMicros: refunded, chargedMicros: charged } : { applied, refundedMicros: 0, chargedMicros: 0 };
}

/** Closes a reserve after failure: everything goes back. Same once-only rule as `settleCredits`. */
export async function releaseCredits(db: Kysely<DatabaseSchema>, input: ReleaseCreditsInput): Promise<SettlementResult> {
  return db.transaction().execute((trx) => releaseCreditsInTransaction(trx, input));
}

/** `releaseCredits` inside the caller's transaction (recovery closes the record and the hold together). */
export async function releaseCreditsInTransaction(trx: Transaction<DatabaseSchema>, input: ReleaseCreditsInput): Promise<SettlementResult> {
  const reserved = requireMicros(input.reservedMicros, 'reservedMicros');
  if (reserved === 0) return { applied: true, refundedMicros: 0, chargedMicros: 0 };
  const applied = await closeReserve(
    trx,
    input.accountId,
    input.generationId,
    'release',
    reserved,
    input.note ?? null,
    input.now ?? Date.now(),
  );
  return { applied, refundedMicros: applied ? reserved : 0, chargedMicros: 0 };
}

/**
 * Adds credits (a deposit or an operator's top-up). Returns the new balance (`null` = unlimited:
 * the grant is recorded, the account stays unlimited). Throws `not_found` for an unknown account.
 */
export async function grantCredits(
  db: Kysely<DatabaseSchema>,
  accountId: string,
  micros: number,
  note: string | null,
  now: number = Date.now(),
): Promise<number | null> {
  return db.transaction().execute((trx) => grantCreditsInTransaction(trx, accountId, micros, note, now));
}

/** `grantCredits` for a caller that already holds a transaction (e.g. creating an account). */
export async function grantCreditsInTransaction(
  trx: Transaction<DatabaseSchema>,
  accountId: string,
  micros: number,
  note: string | null,
  now: number,
): Promise<number | null> {
  const amount = requireMicros(micros, 'micros');
  if (amount === 0) throw new ApiError({ kind: 'invalid_request', param: 'credits', message: 'A grant must be more than 0' });
  const updated = await trx
    .updateTable('accounts')
    .set((eb) => ({ balance_micros: eb('balance_micros', '+', amount) }))
    .where('id', '=', accountId)
    .returning('balance_micros')
    .executeTakeFirst();
  if (updated === undefined) throw new ApiError({ kind: 'not_found', message: `Account '${accountId}' not found` });
  await insertLedgerEntry(trx, accountId, 'grant', amount, null, note, now);
  return updated.balance_micros;
}

async function closeReserve(
  trx: Transaction<DatabaseSchema>,
  accountId: string,
  generationId: string,
  kind: 'settle' | 'release',
  refundMicros: number,
  note: string | null,
  now: number,
): Promise<boolean> {
  // The entry goes first: if this generation was already closed, the insert is skipped and
  // the balance is left alone, so a retried settle can't refund twice.
  const inserted = await closingEntryQuery.execute(trx, {
    id: randomUUID(),
    accountId,
    kind,
    amountMicros: refundMicros,
    generationId,
    note,
    createdAt: now,
  });
  if (!inserted.numAffectedRows) return false;
  await refundKeySpend(trx, generationId, refundMicros);
  if (refundMicros > 0) await creditBalanceQuery.execute(trx, { accountId, amount: refundMicros });
  return true;
}

async function insertLedgerEntry(
  trx: Transaction<DatabaseSchema>,
  accountId: string,
  kind: LedgerEntryKind,
  amountMicros: number,
  generationId: string | null,
  note: string | null,
  now: number,
): Promise<void> {
  await ledgerEntryQuery.execute(trx, { id: randomUUID(), accountId, kind, amountMicros, generationId, note, createdAt: now });
}

interface LedgerEntryArgs {
  id: string;
  accountId: string;
  kind: LedgerEntryKind;
  amountMicros: number;
  generationId: string | null;
  note: string | null;
  createdAt: number;
}

// Each request's reserve and settle run these: prepared once (`db/prepared-query.ts`).
const ledgerEntryQuery = prepareQuery((db, entry: LedgerEntryArgs) => db.insertInto('ledger_entries').values(ledgerEntryRow(entry)));

/** A settle or release, written once per generation: the partial unique index turns a second into a no-op. */
const closingEntryQuery = prepareQuery((db, entry: LedgerEntryArgs) =>
  db
    .insertInto('ledger_entries')
    .values(ledgerEntryRow(entry))
    .onConflict((conflict) => conflict.column('generation_id').where(LEDGER_CLOSING_PREDICATE).doNothing()),
);

function ledgerEntryRow(entry: LedgerEntryArgs) {
  return {
    id: entry.id,
    account_id: entry.accountId,
    kind: entry.kind,
    amount_micros: entry.amountMicros,
    generation_id: entry.generationId,
    note: entry.note,
    created_at: entry.createdAt,
  };
}

/** Takes a hold off the balance if it covers it (an unlimited account has a NULL balance). */
const holdBalanceQuery = prepareQuery((db, args: { accountId: string; amount: number }) =>
  db
    .updateTable('accounts')
    .set((eb) => ({ balance_micros: eb('balance_micros', '-', args.amount) }))
    .where('id', '=', args.accountId)
    .where((eb) => eb.or([eb('balance_micros', 'is', null), eb('balance_micros', '>=', args.amount)])),
);

const creditBalanceQuery = prepareQuery((db, args: { accountId: string; amount: number }) =>
  db
    .updateTable('accounts')
    .set((eb) => ({ balance_micros: eb('balance_micros', '+', args.amount) }))
    .where('id', '=', args.accountId),
);

/** Money arguments are non-negative integer micro-USD; anything else is a bug in the caller. */
function requireMicros(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer number of micro-USD, got ${value}`);
  }
  return value;
}
