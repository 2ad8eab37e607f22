import { type Kysely, sql } from 'kysely';

/**
 * The initial schema. Plain DDL that means the same on SQLite and PostgreSQL: text ids, BIGINT
 * micro-USD and epoch-millisecond timestamps, INTEGER 0/1 booleans, TEXT JSON.
 * Migrations take `Kysely<unknown>` on purpose: they describe the schema of their time, not today's.
 */

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('accounts')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('balance_micros', 'bigint')
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    // Defence in depth: reserves are conditional updates, so this only fires on a bug.
    .addCheckConstraint('accounts_balance_not_negative', sql`balance_micros is null or balance_micros >= 0`)
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('account_id', 'text', (column) => column.notNull().references('accounts.id'))
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('key_hash', 'text', (column) => column.notNull().unique())
    .addColumn('key_prefix', 'text', (column) => column.notNull())
    .addColumn('is_admin', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema.createIndex('api_keys_account_id').on('api_keys').column('account_id').execute();
  await db.schema.createIndex('api_keys_key_prefix').on('api_keys').column('key_prefix').execute();

  await db.schema
    .createTable('ledger_entries')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('account_id', 'text', (column) => column.notNull().references('accounts.id'))
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('amount_micros', 'bigint', (column) => column.notNull())
    // No foreign key to generations: the ledger is an audit trail and must not dictate whether
    // the generation row is written before or after the reserve.
    .addColumn('generation_id', 'text')
    .addColumn('note', 'text')
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addCheckConstraint('ledger_entries_kind', sql`kind in ('grant', 'reserve', 'settle', 'release')`)
    .execute();
  await db.schema.createIndex('ledger_entries_account_created').on('ledger_entries').columns(['account_id', 'created_at']).execute();
  // A reserve is closed once: `accounts/ledger.ts` inserts settle/release entries with
  // ON CONFLICT on this partial index, so a retried settle can't refund twice.
  await db.schema
    .createIndex('ledger_entries_closing_once')
    .on('ledger_entries')
    .column('generation_id')
    .unique()
    .where(sql<boolean>`kind in ('settle', 'release')`)
    .execute();

  await db.schema
    .createTable('generations')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('account_id', 'text', (column) => column.notNull().references('accounts.id'))
    .addColumn('api_key_id', 'text', (column) => column.notNull().references('api_keys.id'))
    .addColumn('model', 'text', (column) => column.notNull())
    .addColumn('provider', 'text')
    .addColumn('route', 'text')
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('response_format', 'text', (column) => column.notNull())
    .addColumn('output_format', 'text', (column) => column.notNull())
    .addColumn('size', 'text', (column) => column.notNull())
    .addColumn('quality', 'text', (column) => column.notNull())
    .addColumn('n', 'integer', (column) => column.notNull())
    .addColumn('prompt', 'text')
    .addColumn('input_image_count', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('has_mask', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('reserved_micros', 'bigint', (column) => column.notNull().defaultTo(0))
    .addColumn('cost_micros', 'bigint', (column) => column.notNull().defaultTo(0))
    .addColumn('latency_ms', 'integer')
    .addColumn('image_count', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('output_ids', 'text', (column) => column.notNull().defaultTo('[]'))
    .addColumn('warnings', 'text', (column) => column.notNull().defaultTo('[]'))
    .addColumn('attempts', 'text', (column) => column.notNull().defaultTo('[]'))
    .addColumn('error_message', 'text')
    .addColumn('error_type', 'text')
    .addColumn('http_status', 'integer')
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('finished_at', 'bigint')
    .addCheckConstraint('generations_status', sql`status in ('processing', 'success', 'error')`)
    .execute();
  // Usage per account (dashboard, credits), popular models, usage per key.
  await db.schema.createIndex('generations_account_created').on('generations').columns(['account_id', 'created_at']).execute();
  await db.schema.createIndex('generations_model_status_created').on('generations').columns(['model', 'status', 'created_at']).execute();
  await db.schema.createIndex('generations_api_key').on('generations').column('api_key_id').execute();
  // Prompt retention scans by age alone.
  await db.schema.createIndex('generations_created').on('generations').column('created_at').execute();

  await db.schema
    .createTable('stored_images')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('generation_id', 'text', (column) => column.notNull().references('generations.id'))
    .addColumn('extension', 'text', (column) => column.notNull())
    .addColumn('content_type', 'text', (column) => column.notNull())
    .addColumn('byte_size', 'bigint', (column) => column.notNull())
    .addColumn('width', 'integer', (column) => column.notNull())
    .addColumn('height', 'integer', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('expires_at', 'bigint', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('stored_images_expires').on('stored_images').column('expires_at').execute();
  await db.schema.createIndex('stored_images_generation').on('stored_images').column('generation_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['stored_images', 'generations', 'ledger_entries', 'api_keys', 'accounts']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
