import { type Kysely, sql } from 'kysely';

/**
 * Limits per api key: expiry, scopes, a spend limit per UTC period, requests per minute and
 * concurrent generations. The period's spend is a counter on the key row (`period_start`,
 * `period_spent_micros`), moved by the same transaction as the account's reserve, so a limit is as
 * exact under concurrency as the balance. `generations.spend_period_start` remembers which period a
 * generation's hold was counted in, so its settle or release gives back to that period only.
 * `is_admin` becomes the `admin` scope.
 */

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('api_keys')
    .addColumn('scopes', 'text', (column) => column.notNull().defaultTo('generate read'))
    .execute();
  await sql`update api_keys set scopes = 'generate read admin' where is_admin = 1`.execute(db);
  await db.schema.alterTable('api_keys').dropColumn('is_admin').execute();
  await db.schema.alterTable('api_keys').addColumn('expires_at', 'bigint').execute();
  await db.schema.alterTable('api_keys').addColumn('spend_limit_micros', 'bigint').execute();
  await db.schema.alterTable('api_keys').addColumn('spend_limit_period', 'text').execute();
  await db.schema.alterTable('api_keys').addColumn('period_start', 'bigint').execute();
  await db.schema
    .alterTable('api_keys')
    .addColumn('period_spent_micros', 'bigint', (column) => column.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('api_keys').addColumn('requests_per_minute', 'integer').execute();
  await db.schema.alterTable('api_keys').addColumn('max_concurrent_generations', 'integer').execute();
  await db.schema.alterTable('generations').addColumn('spend_period_start', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('generations').dropColumn('spend_period_start').execute();
  await db.schema
    .alterTable('api_keys')
    .addColumn('is_admin', 'integer', (column) => column.notNull().defaultTo(0))
    .execute();
  await sql`update api_keys set is_admin = 1 where scopes like '%admin%'`.execute(db);
  for (const column of [
    'scopes',
    'expires_at',
    'spend_limit_micros',
    'spend_limit_period',
    'period_start',
    'period_spent_micros',
    'requests_per_minute',
    'max_concurrent_generations',
  ]) {
    await db.schema.alterTable('api_keys').dropColumn(column).execute();
  }
}
