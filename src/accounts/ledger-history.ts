import type { Kysely } from 'kysely';
import { LEDGER_ENTRY_KINDS, type DatabaseSchema, type LedgerEntryKind } from '../db/database-schema.js';
import { toSafeInteger } from '../db/to-safe-integer.js';
import { accountNotFound } from './account-directory.js';
import { nextCursor, olderThanCursor } from './page-cursor.js';

/** Every kind an entry can have, for layers that may not read the schema module (http/). */
export const LEDGER_KINDS = LEDGER_ENTRY_KINDS;

export interface LedgerEntryRecord {
  id: string;
  kind: LedgerEntryKind;
  /** Signed change of the balance. */
  amountMicros: number;
  generationId: string | null;
  note: string | null;
  createdAt: number;
}

export interface LedgerPage {
  entries: LedgerEntryRecord[];
  nextCursor: string | null;
}

/** An account's ledger, newest first; 404 for an unknown account (an empty ledger is a real answer). */
export async function listLedgerEntries(
  db: Kysely<DatabaseSchema>,
  accountId: string,
  options: { limit: number; cursor?: string },
): Promise<LedgerPage> {
  const account = await db.selectFrom('accounts').select('id').where('id', '=', accountId).executeTakeFirst();
  if (account === undefined) throw accountNotFound(accountId);
  let query = db
    .selectFrom('ledger_entries')
    .select(['id', 'kind', 'amount_micros', 'generation_id', 'note', 'created_at'])
    .where('account_id', '=', accountId);
  if (options.cursor !== undefined) {
    query = query.where(olderThanCursor(options.cursor));
  }
  const rows = await query
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit + 1)
    .execute();
  const records = rows.map((row) => ({
    id: row.id,
    kind: row.kind,
    amountMicros: toSafeInteger(row.amount_micros, 'ledger amount'),
    generationId: row.generation_id,
    note: row.note,
    createdAt: toSafeInteger(row.created_at, 'created_at'),
  }));
  const { page, nextCursor: cursor } = nextCursor(records, options.limit);
  return { entries: page, nextCursor: cursor };
}
