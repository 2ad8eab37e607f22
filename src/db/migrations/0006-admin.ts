import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Ledger entries of kind `adjust`: an operator's deduction (negative) written by the admin API and
 * CLI, kept apart from `grant` so "total deposits" stays what was deposited.
 *
 * The kinds already allowed are read back from the database and `adjust` is added to them, so a
 * kind another migration added is kept. PostgreSQL swaps the CHECK constraint in place. SQLite
 * cannot alter a constraint, so the table is rebuilt from its own DDL with the new CHECK (nothing
 * references `ledger_entries`, so dropping it is safe with foreign keys on); the migrator runs this
 * inside one write transaction, so readers never see it half done.
 */

const NEW_KIND = 'adjust';

export async function up(db: Kysely<unknown>): Promise<void> {
  await changeKinds(db, (kinds) => (kinds.includes(NEW_KIND) ? kinds : [...kinds, NEW_KIND]));
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from ledger_entries where kind = ${NEW_KIND}`.execute(db);
  await changeKinds(db, (kinds) => kinds.filter((kind) => kind !== NEW_KIND));
}

async function changeKinds(db: Kysely<unknown>, change: (kinds: string[]) => string[]): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    const current = await sql<{ definition: string }>`
      select pg_get_constraintdef(oid) as definition from pg_constraint where conname = 'ledger_entries_kind'`.execute(db);
    const definition = current.rows[0]?.definition;
    if (definition === undefined) throw new Error('ledger_entries has no kind CHECK constraint to replace');
    await sql`alter table ledger_entries drop constraint ledger_entries_kind`.execute(db);
    await sql`alter table ledger_entries add constraint ledger_entries_kind check (${kindCheck(change(quotedWords(definition)))})`.execute(
      db,
    );
    return;
  }
  // Rebuilt from the table's own DDL, so columns and indexes other migrations added come along.
  const table = await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = 'ledger_entries'`.execute(db);
  const indexes = await sql<{ sql: string }>`
    select sql from sqlite_master where type = 'index' and tbl_name = 'ledger_entries' and sql is not null`.execute(db);
  const createSql = table.rows[0]?.sql;
  const checkPattern = /check\s*\(\s*kind in \(([^)]*)\)\s*\)/i;
  const currentList = createSql === undefined ? undefined : checkPattern.exec(createSql)?.[1];
  if (createSql === undefined || currentList === undefined) throw new Error('ledger_entries has no kind CHECK constraint to replace');
  const newCheck = `check (${kindCheck(change(quotedWords(currentList))).compile(db).sql})`;
  const rebuiltSql = createSql
    .replace(/^create table\s+("?)ledger_entries\1/i, 'create table "ledger_entries_rebuilt"')
    .replace(checkPattern, newCheck);
  await sql.raw(rebuiltSql).execute(db);
  await sql`insert into ledger_entries_rebuilt select * from ledger_entries`.execute(db);
  await db.schema.dropTable('ledger_entries').execute();
  await sql`alter table ledger_entries_rebuilt rename to ledger_entries`.execute(db);
  // The indexes went with the old table (the closing-once index among them: its predicate is
  // unchanged, so `accounts/ledger.ts`'s ON CONFLICT still finds it).
  for (const index of indexes.rows) await sql.raw(index.sql).execute(db);
}

/** `'grant', 'reserve'` or PostgreSQL's `ARRAY['grant'::text, …]` → the words in quotes. */
function quotedWords(text: string): string[] {
  return [...text.matchAll(/'([a-z_]+)'/g)].map((match) => match[1]!);
}

/** Kinds are our own lower-case words (checked by `quotedWords`), so inlining them as literals is safe. */
function kindCheck(kinds: string[]) {
  return sql`kind in (${sql.join(kinds.map((kind) => sql.lit(kind)))})`;
}
