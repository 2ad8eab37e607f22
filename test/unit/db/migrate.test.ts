import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { knownMigrations, migrate } from '../../../src/db/migrate.js';
import { forEachDatabase } from '../../helpers/test-databases.js';

const TABLES = [
  'accounts',
  'api_keys',
  'free_usage_claims',
  'free_usage_counters',
  'generation_jobs',
  'generations',
  'idempotency_keys',
  'ledger_entries',
  'stored_images',
  'webhook_deliveries',
  'webhook_secrets',
];

describe('migrate', () => {
  forEachDatabase((harness) => {
    it('creates every table and is idempotent', async () => {
      const database = await harness.open(await harness.createEmptyDatabase());
      expect(await migrate(database)).toEqual(knownMigrations());
      expect(await migrate(database)).toEqual([]);
      const tables = (await database.db.introspection.getTables()).map((table) => table.name).sort();
      expect(tables).toEqual(TABLES);
    });

    it('survives concurrent runs on one pool and from two replicas at once', async () => {
      const url = await harness.createEmptyDatabase();
      const first = await harness.open(url);
      // Two pools stand for two replicas. On SQLite a second connection in the same process would
      // block the event loop on the file lock, so there both calls share one connection.
      const second = harness.dialect === 'postgres' ? await harness.open(url) : first;
      const runs = await Promise.all([migrate(first), migrate(second), migrate(first), migrate(second)]);
      expect(runs.flat()).toEqual(knownMigrations());
      const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(first.db);
      expect(rows.map((row) => row.name)).toEqual(knownMigrations());
    });

    it('enforces the integrity rules in the schema itself', async () => {
      const { db } = harness;
      const now = Date.now();
      await expect(
        db
          .insertInto('api_keys')
          .values({
            id: 'k',
            account_id: 'missing',
            name: 'x',
            key_hash: 'h',
            key_prefix: 'p',
            scopes: 'generate read',
            created_at: now,
            revoked_at: null,
            last_used_at: null,
            expires_at: null,
            spend_limit_micros: null,
            spend_limit_period: null,
            period_start: null,
            period_spent_micros: 0,
            requests_per_minute: null,
            max_concurrent_generations: null,
          })
          .execute(),
      ).rejects.toThrow();
      await expect(
        db.insertInto('accounts').values({ id: 'negative', name: 'x', balance_micros: -1, created_at: now }).execute(),
      ).rejects.toThrow();
    });
  });
});
