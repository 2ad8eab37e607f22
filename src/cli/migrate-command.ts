import type { Command } from 'commander';
import { loadAppConfig } from '../config/app-config.js';
import { createDatabase } from '../db/create-database.js';
import { migrate } from '../db/migrate.js';

/**
 * Brings the database schema to this version and returns the migrations it applied. Several
 * replicas may run it at once: `migrate` serialises them (PostgreSQL advisory lock, SQLite
 * `BEGIN IMMEDIATE`), so each migration runs exactly once.
 */
export async function runMigrations(env: NodeJS.ProcessEnv): Promise<string[]> {
  const config = loadAppConfig(env);
  const database = await createDatabase({ ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}), dataDir: config.dataDir });
  try {
    return await migrate(database);
  } finally {
    await database.close();
  }
}

/** `imagerouter migrate`: the step a rolling deployment runs once before replicas start with `serve --no-migrate`. */
export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('run pending database migrations once (DATABASE_URL or IMAGEROUTER_DATA_DIR), then exit')
    .action(async () => {
      const applied = await runMigrations(process.env);
      process.stdout.write(applied.length === 0 ? 'The schema is current; nothing to migrate.\n' : `Applied ${applied.join(', ')}.\n`);
    });
}
