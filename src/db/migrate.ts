import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import type { Database } from './create-database.js';
import * as initial from './migrations/0001-initial.js';
import * as generationLease from './migrations/0002-generation-lease.js';
import * as idempotencyKeys from './migrations/0003-idempotency-keys.js';
import * as keyLimits from './migrations/0004-key-limits.js';
import * as webhooks from './migrations/0005-webhooks.js';
import * as admin from './migrations/0006-admin.js';
import * as freeCaps from './migrations/0007-free-caps.js';
import * as generationErrorDetail from './migrations/0008-generation-error-detail.js';
import * as generationJobs from './migrations/0009-generation-jobs.js';

/** Every migration, in order. Names sort lexically; never rename or edit one that has shipped. */
const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial': initial,
  '0002-generation-lease': generationLease,
  '0003-idempotency-keys': idempotencyKeys,
  '0004-key-limits': keyLimits,
  '0005-webhooks': webhooks,
  '0006-admin': admin,
  '0007-free-caps': freeCaps,
  '0008-generation-error-detail': generationErrorDetail,
  '0009-generation-jobs': generationJobs,
};

const migrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...MIGRATIONS }),
};

/**
 * Our own advisory lock key (Kysely's migrator uses a different one). Advisory locks are per
 * database, so unrelated databases on one server don't wait for each other.
 */
export const POSTGRES_MIGRATION_LOCK_KEY = 730_311_746_100_421;

/**
 * Brings the schema to the latest version; returns the names of the migrations it applied.
 * Safe when several replicas start at once:
 * - PostgreSQL: Kysely's migrator already takes `pg_advisory_lock` around reading the migration
 *   state and running the pending migrations in one transaction, but it creates its bookkeeping
 *   tables before that lock (recovering from races by re-checking). We hold our own advisory lock
 *   around the whole run so replicas migrate strictly one after another.
 * - SQLite: Kysely's lock is a no-op (it assumes one process). We run inside `BEGIN IMMEDIATE`,
 *   which takes the file's write lock across processes and makes the migration all-or-nothing
 *   (SQLite DDL is transactional even though Kysely doesn't use that).
 */
export async function migrate(database: Database): Promise<string[]> {
  return database.db.connection().execute(async (connection) => {
    const unlock = await lockForMigration(connection, database.dialect);
    let succeeded = false;
    try {
      const applied = await runMigrator(connection);
      succeeded = true;
      return applied;
    } finally {
      await unlock(succeeded);
    }
  });
}

async function lockForMigration<Schema>(
  connection: Kysely<Schema>,
  dialect: Database['dialect'],
): Promise<(succeeded: boolean) => Promise<void>> {
  if (dialect === 'postgres') {
    await sql`select pg_advisory_lock(${POSTGRES_MIGRATION_LOCK_KEY})`.execute(connection);
    return async () => {
      await sql`select pg_advisory_unlock(${POSTGRES_MIGRATION_LOCK_KEY})`.execute(connection);
    };
  }
  await sql`begin immediate`.execute(connection);
  return async (succeeded) => {
    await sql.raw(succeeded ? 'commit' : 'rollback').execute(connection);
  };
}

async function runMigrator<Schema>(connection: Kysely<Schema>): Promise<string[]> {
  const migrator = new Migrator({ db: connection, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    const which = failed === undefined ? '' : ` ${failed}`;
    throw new Error(`Database migration${which} failed: ${reason}`, { cause: error });
  }
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}

/**
 * Migrations this build knows that the database has not run, in order; `[]` when the schema is
 * current. Read-only: for `serve --no-migrate`, which must not start on a schema it doesn't know.
 */
export async function pendingMigrations(database: Database): Promise<string[]> {
  const migrator = new Migrator({ db: database.db, provider: migrationProvider });
  const migrations = await migrator.getMigrations();
  return migrations.filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
}

/** Names of all migrations this build knows, in order (for `doctor` and tests). */
export function knownMigrations(): string[] {
  return Object.keys(MIGRATIONS).sort();
}
