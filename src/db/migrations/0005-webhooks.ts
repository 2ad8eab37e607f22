import type { Kysely } from 'kysely';

/**
 * Signed webhooks for finished generations: the URL a request asked to be called on
 * (`generations.webhook_url`), one signing secret per account, and the outbox of deliveries. A
 * delivery row is written in the transaction that finishes its generation, so a crash can never
 * lose one; the dispatcher claims due rows with a lease, so replicas never send one attempt twice.
 */

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('generations').addColumn('webhook_url', 'text').execute();
  await db.schema
    .createTable('webhook_secrets')
    .addColumn('account_id', 'text', (column) => column.primaryKey())
    .addColumn('secret', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .execute();
  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (column) => column.primaryKey())
    // One delivery per generation: finishing a generation happens once, and this makes it so.
    .addColumn('generation_id', 'text', (column) => column.notNull().unique())
    .addColumn('account_id', 'text', (column) => column.notNull())
    .addColumn('url', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('attempts', 'text', (column) => column.notNull())
    .addColumn('first_attempt_at', 'bigint')
    .addColumn('next_attempt_at', 'bigint')
    .addColumn('lease_token', 'text')
    .addColumn('lease_expires_at', 'bigint')
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('finished_at', 'bigint')
    .execute();
  // The dispatcher's search: pending rows by due time.
  await db.schema.createIndex('webhook_deliveries_status_next').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('webhook_deliveries').ifExists().execute();
  await db.schema.dropTable('webhook_secrets').ifExists().execute();
  await db.schema.alterTable('generations').dropColumn('webhook_url').execute();
}
