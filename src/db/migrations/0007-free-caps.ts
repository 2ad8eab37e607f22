import type { Kysely } from 'kysely';

/**
 * Counters of free-model generations per (scope, subject, UTC day): scope `account` or `ip`. The
 * primary key is what makes the cap exact under concurrency: every request upserts the same row,
 * so the database serialises them on it (see `accounts/free-usage-caps.ts`). Each generation's
 * claim row says which counters it took, so the slot is given back exactly once when it fails,
 * even by crash recovery in another process.
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
  await db.schema
    .createTable('free_usage_claims')
    .addColumn('generation_id', 'text', (column) => column.primaryKey())
    .addColumn('account_subject', 'text')
    .addColumn('ip_subject', 'text')
    .addColumn('utc_day', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .execute();
  // Old claims and counters are swept by age.
  await db.schema.createIndex('free_usage_claims_created_at').on('free_usage_claims').column('created_at').execute();
  await db.schema.createIndex('free_usage_counters_utc_day').on('free_usage_counters').column('utc_day').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('free_usage_claims').ifExists().execute();
  await db.schema.dropTable('free_usage_counters').ifExists().execute();
}
