import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '../../src/db/create-database.js';
import type { DatabaseSchema } from '../../src/db/database-schema.js';

/**
 * A trigger on the database itself, in its dialect's syntax, on every update that marks a
 * generation `success` (the settle's transaction): `refuse` aborts it (a real database error),
 * `slow` holds it 400 ms (PostgreSQL only: SQLite has no sleep). Resolves with the function that
 * drops it again.
 */
export async function addSuccessRecordTrigger(
  db: Kysely<DatabaseSchema>,
  dialect: SqlDialect,
  kind: 'refuse' | 'slow',
): Promise<() => Promise<void>> {
  if (dialect === 'sqlite') {
    if (kind === 'slow') throw new Error('SQLite has no sleep for a trigger');
    await sql`create trigger success_record_trigger before update of status on generations
      when new.status = 'success' begin select raise(abort, 'injected: success record refused'); end`.execute(db);
    return async () => void (await sql`drop trigger success_record_trigger`.execute(db));
  }
  const body = kind === 'refuse' ? `raise exception 'injected: success record refused';` : 'perform pg_sleep(0.4); return new;';
  await sql.raw(`create function success_record_trigger() returns trigger language plpgsql as $$ begin ${body} end $$`).execute(db);
  await sql`create trigger success_record_trigger before update of status on generations
    for each row when (new.status = 'success') execute function success_record_trigger()`.execute(db);
  return async () => {
    await sql`drop trigger success_record_trigger on generations`.execute(db);
    await sql`drop function success_record_trigger()`.execute(db);
  };
}
