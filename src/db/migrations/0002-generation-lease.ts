import type { Kysely } from 'kysely';

/**
 * A lease on each running generation: the process that runs it pushes `lease_expires_at` forward
 * while it works, so a `processing` row whose lease has passed belongs to a process that died
 * (kill -9, OOM, a lost node) and can be finished by any replica. NULL on rows written before this
 * migration and on finished ones.
 */

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('generations').addColumn('lease_expires_at', 'bigint').execute();
  // Recovery looks for `processing` rows by lease; finished rows are the vast majority and never match.
  await db.schema.createIndex('generations_status_lease').on('generations').columns(['status', 'lease_expires_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('generations_status_lease').ifExists().execute();
  await db.schema.alterTable('generations').dropColumn('lease_expires_at').execute();
}
