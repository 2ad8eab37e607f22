import { type Kysely, PostgresAdapter, type RawBuilder, sql } from 'kysely';

/**
 * Ledger entries of kind `adjust`: an operator's deduction (negative) written by the admin API and
 * CLI, kept apart from `grant` so "total deposits" stays what was deposited.
 *
 * PostgreSQL swaps the CHECK constraint in place. SQLite cannot alter a constraint, so the table is
 * rebuilt from its own DDL with the new CHECK (nothing references `ledger_entries`, so dropping it is
 * safe with foreign keys on); the migrator runs this inside one write transaction, so readers never
 * see it half done.
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

async function replaceKindCheck(db: Kysely<unknown>, check: RawBuilder<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`alter table ledger_entries drop constraint ledger_entries_kind`.execute(db);
    await db.schema.alterTable('ledger_entries').addCheckConstraint('ledger_entries_kind', check).execute();
    return;
  }
  // Rebuilt from the table's own DDL, so columns and indexes other migrations added come along.
  const table = await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = 'ledger_entries'`.execute(db);
  const indexes = await sql<{ sql: string }>`
    select sql from sqlite_master where type = 'index' and tbl_name = 'ledger_entries' and sql is not null`.execute(db);
  const createSql = table.rows[0]?.sql;
  const checkPattern = /check\s*\(\s*kind in \([^)]*\)\s*\)/i;
  if (createSql === undefined || !checkPattern.test(createSql)) throw new Error('ledger_entries has no kind CHECK constraint to replace');
  const compiledCheck = check.compile(db).sql;
  const rebuiltSql = createSql
    .replace(/^create table\s+("?)ledger_entries\1/i, 'create table "ledger_entries_rebuilt"')
    .replace(checkPattern, `check (${compiledCheck})`);
  await sql.raw(rebuiltSql).execute(db);
  await sql`insert into ledger_entries_rebuilt select * from ledger_entries`.execute(db);
  await db.schema.dropTable('ledger_entries').execute();
  await sql`alter table ledger_entries_rebuilt rename to ledger_entries`.execute(db);
  // The indexes went with the old table (the closing-once index among them: its predicate is
  // unchanged, so `accounts/ledger.ts`'s ON CONFLICT still finds it).
  for (const index of indexes.rows) await sql.raw(index.sql).execute(db);
}
