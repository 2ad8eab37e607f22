import {
  CompiledQuery,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresQueryCompiler,
  type QueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
} from 'kysely';
import { describe, expect, it } from 'vitest';
import type { DatabaseSchema } from '../../../src/db/database-schema.js';
import { prepareQuery } from '../../../src/db/prepared-query.js';
import { createKeyWithCredits, usd } from '../accounts/account-fixtures.js';
import { forEachDatabase } from '../../helpers/test-databases.js';

const renameAccount = prepareQuery((db, args: { id: string; name: string }) =>
  db.updateTable('accounts').set({ name: args.name }).where('id', '=', args.id),
);

const accountsAbove = prepareQuery((db, args: { floor: number; prefix: string }) =>
  db
    .selectFrom('accounts')
    .select(['id', 'name', 'balance_micros'])
    // The same argument twice, a constant between, and one inside raw SQL.
    .where('balance_micros', '>', args.floor)
    .where('name', 'like', sql<string>`${args.prefix} || ${'%'}`)
    .where('balance_micros', '<>', args.floor)
    .orderBy('name'),
);

forEachDatabase((harness) => {
  describe('prepared queries', () => {
    it('runs with each call its own values, repeated and raw-SQL arguments included', async () => {
      const rich = await createKeyWithCredits(harness.db, 50, 'prep-rich');
      const poor = await createKeyWithCredits(harness.db, 1, 'prep-poor');
      const first = await accountsAbove.execute(harness.db, { floor: usd(10), prefix: 'prep-' });
      expect(first.rows.map((row) => row.id)).toEqual([rich.account.id]);
      const second = await accountsAbove.execute(harness.db, { floor: usd(0.5), prefix: 'prep-' });
      expect(second.rows.map((row) => row.name)).toEqual(['prep-poor', 'prep-rich']);
      expect((await accountsAbove.execute(harness.db, { floor: 0, prefix: 'nobody-' })).rows).toEqual([]);
      expect(poor.account.balanceMicros).toBe(usd(1));
    });

    it('reports affected rows, and serves transactions of the same database', async () => {
      const owner = await createKeyWithCredits(harness.db, 5, 'prep-rename');
      const missing = await renameAccount.execute(harness.db, { id: 'no-such-account', name: 'x' });
      expect(missing.numAffectedRows).toBe(0n);
      await harness.db.transaction().execute(async (trx) => {
        const renamed = await renameAccount.execute(trx, { id: owner.account.id, name: 'prep-renamed' });
        expect(renamed.numAffectedRows).toBe(1n);
      });
      const row = await harness.db.selectFrom('accounts').select('name').where('id', '=', owner.account.id).executeTakeFirstOrThrow();
      expect(row.name).toBe('prep-renamed');
    });

    it('rolls back with the transaction it ran in', async () => {
      const owner = await createKeyWithCredits(harness.db, 5, 'prep-rollback');
      await expect(
        harness.db.transaction().execute(async (trx) => {
          await renameAccount.execute(trx, { id: owner.account.id, name: 'prep-never' });
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      const row = await harness.db.selectFrom('accounts').select('name').where('id', '=', owner.account.id).executeTakeFirstOrThrow();
      expect(row.name).toBe('prep-rollback');
    });

    it('refuses a build that decides the shape of the query from an argument', async () => {
      const byCondition = prepareQuery((db, args: { id: string; admin: boolean }) =>
        db
          .selectFrom('accounts')
          .select('id')
          .where('id', '=', args.id)
          .where('name', '=', args.admin ? 'admin' : 'user'),
      );
      await expect(byCondition.execute(harness.db, { id: 'a', admin: false })).rejects.toThrow(/argument 'admin' without passing it/);
      const byArithmetic = prepareQuery((db, args: { amount: number }) =>
        db
          .selectFrom('accounts')
          .select('id')
          .where('balance_micros', '>', args.amount * 2),
      );
      await expect(byArithmetic.execute(harness.db, { amount: 1 })).rejects.toThrow(/argument 'amount' as a primitive/);
      const bySerializing = prepareQuery((db, args: { ids: string[] }) =>
        db.selectFrom('accounts').select('id').where('name', '=', JSON.stringify(args.ids)),
      );
      await expect(bySerializing.execute(harness.db, { ids: [] })).rejects.toThrow(/serialized its argument 'ids'/);
    });
  });
});

describe('prepared queries across dialects', () => {
  it('compile once per dialect: SQLite and PostgreSQL each get their own text', async () => {
    const sqlite = recordingDatabase(new SqliteAdapter(), () => new SqliteQueryCompiler());
    const postgres = recordingDatabase(new PostgresAdapter(), () => new PostgresQueryCompiler());
    await renameAccount.execute(sqlite.db, { id: 'a', name: 'b' });
    await renameAccount.execute(postgres.db, { id: 'c', name: 'd' });
    await sqlite.db.transaction().execute((trx) => renameAccount.execute(trx, { id: 'e', name: 'f' }));
    expect(sqlite.queries).toEqual([
      { sql: 'update "accounts" set "name" = ? where "id" = ?', parameters: ['b', 'a'] },
      { sql: 'begin', parameters: [] },
      { sql: 'update "accounts" set "name" = ? where "id" = ?', parameters: ['f', 'e'] },
      { sql: 'commit', parameters: [] },
    ]);
    expect(postgres.queries).toEqual([{ sql: 'update "accounts" set "name" = $1 where "id" = $2', parameters: ['d', 'c'] }]);
  });
});

/** A database of a dialect that records what it is sent instead of running it. */
function recordingDatabase(adapter: DialectAdapter, createQueryCompiler: () => QueryCompiler) {
  const queries: Array<{ sql: string; parameters: readonly unknown[] }> = [];
  const connection: DatabaseConnection = {
    executeQuery: async (query) => {
      queries.push({ sql: query.sql, parameters: query.parameters });
      return { rows: [] };
    },
    streamQuery: () => {
      throw new Error('not used');
    },
  };
  const driver: Driver = {
    init: async () => undefined,
    acquireConnection: async () => connection,
    beginTransaction: async (conn) => void (await conn.executeQuery(CompiledQuery.raw('begin'))),
    commitTransaction: async (conn) => void (await conn.executeQuery(CompiledQuery.raw('commit'))),
    rollbackTransaction: async (conn) => void (await conn.executeQuery(CompiledQuery.raw('rollback'))),
    releaseConnection: async () => undefined,
    destroy: async () => undefined,
  };
  const db = new Kysely<DatabaseSchema>({
    dialect: {
      createAdapter: () => adapter,
      createDriver: () => driver,
      createIntrospector: (kysely) => new SqliteIntrospector(kysely),
      createQueryCompiler,
    },
  });
  return { db, queries };
}
