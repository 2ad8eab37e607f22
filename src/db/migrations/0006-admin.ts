import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Ledger entries of kind `adjust`: an operator's deduction (negative) written by the admin API and
 * CLI, kept apart from `grant` so "total deposits" stays what was deposited.
 *
 * PostgreSQL swaps the CHECK constraint in place. SQLite cannot alter a constraint, so the table is
 * rebuilt (nothing references `ledger_entries`, so dropping it is safe with foreign keys on); the
 * migrator already runs this inside one write transaction, so readers never see it half done.
 */

const KINDS_WITH_ADJUST = sql`kind in ('grant', 'reserve', 'settle', 'release', 'adjust')`;
const KINDS_WITHOUT_ADJUST = sql`kind in ('grant', 'reserve', 'settle', 'release')`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await replaceKindCheck(db, KINDS_WITH_ADJUST);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from ledger_entries where kind = 'adjust'`.execute(db);
  await replaceKindCheck(db, KINDS_WITHOUT_ADJUST);
}

async function replaceKindCheck(db: Kysely<unknown>, check: ReturnType<typeof sql>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`alter table ledger_entries drop constraint ledger_entries_kind`.execute(db);
    await db.schema.alterTable('ledger_entries').addCheckConstraint('ledger_entries_kind', check).execute();
    return;
  }
  await db.schema
    .createTable('ledger_entries_rebuilt')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('account_id', 'text', (column) => column.notNull().references('accounts.id'))
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('amount_micros', 'bigint', (column) => column.notNull())
    .addColumn('generation_id', 'text')
    .addColumn('note', 'text')
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addCheckConstraint('ledger_entries_kind', check)
    .execute();
  await sql`insert into ledger_entries_rebuilt (id, account_id, kind, amount_micros, generation_id, note, created_at)
    select id, account_id, kind, amount_micros, generation_id, note, created_at from ledger_entries`.execute(db);
  await db.schema.dropTable('ledger_entries').execute();
  await sql`alter table ledger_entries_rebuilt rename to ledger_entries`.execute(db);
  // The indexes went with the old table; these are 0001's, word for word (the closing-once
  // predicate must match `accounts/ledger.ts` for ON CONFLICT to find it).
  await db.schema.createIndex('ledger_entries_account_created').on('ledger_entries').columns(['account_id', 'created_at']).execute();
  await db.schema
    .createIndex('ledger_entries_closing_once')
    .on('ledger_entries')
    .column('generation_id')
    .unique()
    .where(sql<boolean>`kind in ('settle', 'release')`)
    .execute();
}
