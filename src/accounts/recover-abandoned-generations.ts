import type { ExpressionBuilder, Kysely, Transaction } from 'kysely';
import type { DatabaseSchema } from '../db/database-schema.js';
import { ApiError } from '../errors/api-error.js';
import { releaseCreditsInTransaction, settleCreditsInTransaction } from './ledger.js';
import { enqueueWebhookDelivery } from './webhook-outbox.js';
import { giveBackFreeUsage } from './free-usage-caps.js';

/** The record's message when a generation's process died before it finished. */
export const ABANDONED_GENERATION_MESSAGE = 'The gateway stopped while this generation was running; its credits were returned.';

/** Rows per query: a restart after a crash under load may find many, and each is its own transaction anyway. */
const BATCH = 100;

export interface RecoverAbandonedOptions {
  now: number;
  /**
   * Rows recorded before leases existed have none: they count as abandoned once created before
   * this instant (give it the request deadline plus a lease, which no live generation outlives).
   */
  unleasedCreatedBefore: number;
}

export interface RecoveryResult {
  /** Generations finished as `error`, their holds given back. */
  released: string[];
  /** Generations whose images were stored before the crash, finished as `success` and charged. */
  settled: string[];
}

/**
 * Finishes the generations left `processing` by a process that died: every one whose lease has
 * passed. Each is closed in its own transaction, record and hold together, and the record's
 * conditional UPDATE is what claims it, so replicas running this at the same time (and a
 * stalled process that comes back) close each generation exactly once; the ledger's
 * closing-once index is the backstop.
 */
export async function recoverAbandonedGenerations(db: Kysely<DatabaseSchema>, options: RecoverAbandonedOptions): Promise<RecoveryResult> {
  const result: RecoveryResult = { released: [], settled: [] };
  for (;;) {
    const candidates = await db
      .selectFrom('generations')
      .select(['id', 'account_id', 'reserved_micros', 'n'])
      .where('status', '=', 'processing')
      .where((eb) => leaseHasPassed(eb, options))
      .orderBy('created_at')
      .orderBy('id')
      .limit(BATCH)
      .execute();
    let progressed = false;
    for (const row of candidates) {
      const outcome = await db.transaction().execute((trx) => recoverOne(trx, row, options));
      // 'skipped': another replica got there first, or the generation finished meanwhile.
      if (outcome !== 'skipped') progressed = true;
      if (outcome === 'released') result.released.push(row.id);
      if (outcome === 'settled') result.settled.push(row.id);
    }
    // A batch with no progress would come back unchanged: stop rather than spin.
    if (candidates.length < BATCH || !progressed) return result;
  }
}

function leaseHasPassed(eb: ExpressionBuilder<DatabaseSchema, 'generations'>, { now, unleasedCreatedBefore }: RecoverAbandonedOptions) {
  return eb.or([
    eb('lease_expires_at', '<', now),
    eb.and([eb('lease_expires_at', 'is', null), eb('created_at', '<', unleasedCreatedBefore)]),
  ]);
}

async function recoverOne(
  trx: Transaction<DatabaseSchema>,
  row: { id: string; account_id: string; reserved_micros: number; n: number },
  options: RecoverAbandonedOptions,
): Promise<'released' | 'settled' | 'skipped'> {
  const { now } = options;
  const error = new ApiError({ kind: 'internal', message: ABANDONED_GENERATION_MESSAGE });
  // The claim: the same conditions as the search, re-checked under the row's write lock.
  const claimed = await trx
    .updateTable('generations')
    .set({
      status: 'error',
      cost_micros: 0,
      error_message: error.message,
      error_type: error.type,
      http_status: error.status,
      finished_at: now,
      lease_expires_at: null,
    })
    .where('id', '=', row.id)
    .where('status', '=', 'processing')
    .where((eb) => leaseHasPassed(eb, options))
    .executeTakeFirst();
  if (claimed.numUpdatedRows === 0n) return 'skipped';
  // Queued with the finish, in this transaction; the dispatcher reads the record as it ends below.
  await enqueueWebhookDelivery(trx, row.id, now);

  const stored = await trx
    .selectFrom('stored_images')
    .select(['id', 'extension'])
    .where('generation_id', '=', row.id)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const entries = await trx
    .selectFrom('ledger_entries')
    .select('kind')
    .where('generation_id', '=', row.id)
    .where('kind', 'in', ['reserve', 'settle', 'release'])
    .execute();
  const kinds = new Set(entries.map((entry) => entry.kind));
  // No hold when the process died between recording and reserving (or the price was 0); and a
  // hold already released means it reported a failure to its client before it died.
  const held = kinds.has('reserve') && !kinds.has('release');
  const delivered = stored.length > 0 && (held || (row.reserved_micros === 0 && !kinds.has('release')));
  if (!delivered) {
    if (held) {
      await releaseCreditsInTransaction(trx, {
        accountId: row.account_id,
        generationId: row.id,
        reservedMicros: row.reserved_micros,
        note: 'recovered: the process running this generation stopped',
        now,
      });
    }
    // A failed free generation does not count against the daily free-model caps.
    await giveBackFreeUsage(trx, row.id);
    return 'released';
  }

  // The images were made and stored, so the upstream charged for them, yet which route delivered
  // (and so its exact price) died with the process. The reserve is the quote the client agreed
  // to and never less than the real cost; charging it errs at most by the gap between the
  // dearest and the delivering route, where releasing would hand out images for free. The reserve
  // is a price per image × n, so a crash halfway through storing charges the images stored.
  const kept = Math.min(stored.length, row.n);
  const settled = await settleCreditsInTransaction(trx, {
    accountId: row.account_id,
    generationId: row.id,
    reservedMicros: row.reserved_micros,
    costMicros: Math.round((row.reserved_micros * kept) / row.n),
    now,
  });
  await trx
    .updateTable('generations')
    .set({
      status: 'success',
      cost_micros: settled.chargedMicros,
      image_count: stored.length,
      // The same ids a live success records: the stored file names.
      output_ids: JSON.stringify(stored.map((image) => `${image.id}.${image.extension}`)),
      error_message: null,
      error_type: null,
      http_status: 200,
    })
    .where('id', '=', row.id)
    .execute();
  return 'settled';
}
