import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { DatabaseSchema } from '../db/database-schema.js';
import { toSafeInteger } from '../db/to-safe-integer.js';
import { ApiError, invalidParam } from '../errors/api-error.js';
import { grantCreditsInTransaction } from './ledger.js';
import { nextCursor, olderThanCursor } from './page-cursor.js';

/** An account as operators see it: balance and how many keys (active or not) it has. */
export interface AccountSummary {
  id: string;
  name: string;
  /** Micro-USD available; `null` = unlimited. */
  balanceMicros: number | null;
  keyCount: number;
  createdAt: number;
}

export interface AccountPage {
  accounts: AccountSummary[];
  nextCursor: string | null;
}

export interface CreateAccountInput {
  name: string;
  /** `null` = unlimited; a number = a limited account starting with this grant (0 allowed). */
  creditsMicros: number | null;
  now: number;
}

export async function createAccount(db: Kysely<DatabaseSchema>, input: CreateAccountInput): Promise<AccountSummary> {
  const name = input.name.trim();
  if (name === '') throw invalidParam('name', 'An account needs a name');
  const id = randomUUID();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('accounts')
      .values({ id, name, balance_micros: input.creditsMicros === null ? null : 0, created_at: input.now })
      .execute();
    // Through the ledger, so balance = sum(ledger) holds from the first entry.
    if (input.creditsMicros !== null && input.creditsMicros > 0) {
      await grantCreditsInTransaction(trx, id, input.creditsMicros, 'initial credits', input.now);
    }
  });
  return requireAccountSummary(db, id);
}

/** Newest first, `limit` per page. */
export async function listAccounts(db: Kysely<DatabaseSchema>, options: { limit: number; cursor?: string }): Promise<AccountPage> {
  let query = summaryQuery(db);
  if (options.cursor !== undefined) {
    query = query.where(olderThanCursor(options.cursor, 'accounts'));
  }
  const rows = await query
    .orderBy('accounts.created_at', 'desc')
    .orderBy('accounts.id', 'desc')
    .limit(options.limit + 1)
    .execute();
  const { page, nextCursor: cursor } = nextCursor(rows.map(toSummary), options.limit);
  return { accounts: page, nextCursor: cursor };
}

export async function findAccountSummary(
  db: Kysely<DatabaseSchema> | Transaction<DatabaseSchema>,
  id: string,
): Promise<AccountSummary | undefined> {
  const row = await summaryQuery(db).where('accounts.id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toSummary(row);
}

/** The account or a 404 naming it. */
export async function requireAccountSummary(db: Kysely<DatabaseSchema> | Transaction<DatabaseSchema>, id: string): Promise<AccountSummary> {
  const found = await findAccountSummary(db, id);
  if (found === undefined) throw accountNotFound(id);
  return found;
}

export function accountNotFound(id: string): ApiError {
  return new ApiError({ kind: 'not_found', param: 'id', message: `Account '${id}' not found` });
}

export async function renameAccount(db: Kysely<DatabaseSchema> | Transaction<DatabaseSchema>, id: string, name: string): Promise<void> {
  const result = await db.updateTable('accounts').set({ name }).where('id', '=', id).executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw accountNotFound(id);
}

function summaryQuery(db: Kysely<DatabaseSchema> | Transaction<DatabaseSchema>) {
  return db.selectFrom('accounts').select((eb) => [
    'accounts.id',
    'accounts.name',
    'accounts.balance_micros',
    'accounts.created_at',
    eb
      .selectFrom('api_keys')
      .select((inner) => inner.fn.countAll<number>().as('n'))
      .whereRef('api_keys.account_id', '=', 'accounts.id')
      .as('key_count'),
  ]);
}

function toSummary(row: {
  id: string;
  name: string;
  balance_micros: number | null;
  created_at: number;
  key_count: unknown;
}): AccountSummary {
  return {
    id: row.id,
    name: row.name,
    balanceMicros: row.balance_micros === null ? null : toSafeInteger(row.balance_micros, 'balance'),
    keyCount: toSafeInteger(row.key_count, 'key count'),
    createdAt: toSafeInteger(row.created_at, 'created_at'),
  };
}
