import { type Kysely, sql } from 'kysely';
import type { DatabaseSchema } from './database-schema.js';

/** The cheapest round trip: throws when the database does not answer. */
export async function pingDatabase(db: Kysely<DatabaseSchema>): Promise<void> {
  await sql`select 1`.execute(db);
}
