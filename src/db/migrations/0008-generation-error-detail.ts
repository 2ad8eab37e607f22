import type { Kysely } from 'kysely';

/**
 * The `code` and `param` of a failed generation's error, so what is read back later (a replay under
 * an `Idempotency-Key`, `GET /v1/generations/{id}`, a webhook) says exactly what the first answer said.
 */

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('generations').addColumn('error_code', 'text').execute();
  await db.schema.alterTable('generations').addColumn('error_param', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('generations').dropColumn('error_param').execute();
  await db.schema.alterTable('generations').dropColumn('error_code').execute();
}
