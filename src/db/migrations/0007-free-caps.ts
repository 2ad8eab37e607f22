import type { Kysely } from 'kysely';

/**
 * Counters of free-model generations per (scope, subject, UTC day): scope `account` or `ip`. The
 * primary key is what makes the cap exact under concurrency: every request upserts the same row,
 * so the database serialises them on it (see `accounts/free-usage-caps.ts`).
 */

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('free_usage_counters')
    .addColumn('scope', 'text', (column) => column.notNull())
    .addColumn('subject', 'text', (column) => column.notNull())
    .addColumn('utc_day', 'text', (column) => column.notNull())
    .addColumn('used', 'integer', (column) => column.notNull())
    .addPrimaryKeyConstraint('free_usage_counters_pkey', ['scope', 'subject', 'utc_day'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('free_usage_counters').ifExists().execute();
}
