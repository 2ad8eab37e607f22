import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase, redactDatabaseUrl, sqliteFileFromUrl } from '../../../src/db/create-database.js';
import { TEST_DATABASE_URL, postgresAvailable } from '../../helpers/test-databases.js';

describe('createDatabase on SQLite', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = path.join(await mkdtemp(path.join(os.tmpdir(), 'imagerouter-db-')), 'nested', 'data');
  });
  afterEach(async () => {
    await rm(path.dirname(path.dirname(dataDir)), { recursive: true, force: true });
  });

  it('creates <dataDir>/imagerouter.db (mkdir -p) with WAL, busy timeout, foreign keys and NORMAL sync', async () => {
    const database = await createDatabase({ dataDir });
    try {
      expect(database.dialect).toBe('sqlite');
      expect(existsSync(path.join(dataDir, 'imagerouter.db'))).toBe(true);
      const pragma = async (name: string) => (await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(database.db)).rows[0];
      expect(await pragma('journal_mode')).toEqual({ journal_mode: 'wal' });
      expect(await pragma('busy_timeout')).toEqual({ timeout: 5000 });
      expect(await pragma('foreign_keys')).toEqual({ foreign_keys: 1 });
      expect(await pragma('synchronous')).toEqual({ synchronous: 1 }); // 1 = NORMAL
    } finally {
      await database.close();
    }
  });

  it('treats an empty DATABASE_URL like an unset one', async () => {
    const database = await createDatabase({ dataDir, databaseUrl: '  ' });
    await database.close();
    expect(existsSync(path.join(dataDir, 'imagerouter.db'))).toBe(true);
  });

  it('opens sqlite:<path> and sqlite::memory:', async () => {
    const file = path.join(dataDir, 'elsewhere', 'custom.db');
    const onFile = await createDatabase({ dataDir, databaseUrl: `sqlite:${file}` });
    await onFile.close();
    expect(existsSync(file)).toBe(true);
    const inMemory = await createDatabase({ dataDir, databaseUrl: 'sqlite::memory:' });
    expect((await sql<{ one: number }>`select 1 as one`.execute(inMemory.db)).rows).toEqual([{ one: 1 }]);
    await inMemory.close();
  });

  it('parses sqlite URLs', () => {
    expect(sqliteFileFromUrl('sqlite::memory:')).toBe(':memory:');
    expect(sqliteFileFromUrl('sqlite:///var/lib/ir.db')).toBe('/var/lib/ir.db');
    expect(sqliteFileFromUrl('sqlite:data/ir.db')).toBe(path.resolve('data/ir.db'));
    expect(() => sqliteFileFromUrl('sqlite:')).toThrow(/needs a path/);
  });

  it('rejects other URL schemes, naming the accepted ones and hiding the password', async () => {
    await expect(createDatabase({ dataDir, databaseUrl: 'mysql://user:hunter2@db/ir' })).rejects.toThrow(/postgres:\/\/.*sqlite:<path>/);
    await expect(createDatabase({ dataDir, databaseUrl: 'mysql://user:hunter2@db/ir' })).rejects.not.toThrow(/hunter2/);
  });
});

describe('redactDatabaseUrl', () => {
  it('hides only the password', () => {
    expect(redactDatabaseUrl('postgres://app:s3cret@db.internal:5432/ir')).toBe('postgres://app:***@db.internal:5432/ir');
    expect(redactDatabaseUrl('postgres://app@db/ir')).toBe('postgres://app@db/ir');
  });
});

describe.skipIf(!postgresAvailable)('createDatabase on PostgreSQL', () => {
  it('returns BIGINT as a JS number, like SQLite', async () => {
    const database = await createDatabase({ dataDir: os.tmpdir(), databaseUrl: TEST_DATABASE_URL });
    try {
      expect(database.dialect).toBe('postgres');
      const { rows } = await sql<{
        big: unknown;
        count: unknown;
      }>`select cast(9007199254740991 as bigint) as big, count(*) as count from (values (1), (2)) as t(x)`.execute(database.db);
      expect(rows).toEqual([{ big: Number.MAX_SAFE_INTEGER, count: 2 }]);
      await expect(sql`select cast(9007199254740993 as bigint) as big`.execute(database.db)).rejects.toThrow(/not a safe integer/);
    } finally {
      await database.close();
    }
  });

  it('fails fast with the URL (password hidden) when the server is unreachable', async () => {
    const error = await createDatabase({ dataDir: os.tmpdir(), databaseUrl: 'postgres://app:hunter2@127.0.0.1:1/ir' }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/Cannot connect to PostgreSQL at postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/ir/);
    expect((error as Error).message).not.toMatch(/hunter2/);
  });
});
