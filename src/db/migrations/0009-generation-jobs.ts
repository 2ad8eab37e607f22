import type { Kysely } from 'kysely';

/**
 * What another replica needs to finish an async generation whose process died, beyond its
 * `generations` row (which has the caller, the model, the hold and the start): the request's
 * fields and its input images (after download, so expired URLs don't matter; base64 text, which
 * both databases store alike). One row per async generation, deleted when it finishes;
 * `takeovers` bounds how often a generation that kills its process is retried.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('generation_jobs')
    .addColumn('generation_id', 'text', (column) => column.primaryKey())
    .addColumn('fields_json', 'text', (column) => column.notNull())
    .addColumn('inputs_json', 'text', (column) => column.notNull())
    .addColumn('takeovers', 'integer', (column) => column.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('generation_jobs').ifExists().execute();
}
