import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { type Database, type SqlDialect, createDatabase, redactDatabaseUrl } from '../../src/db/create-database.js';
import type { DatabaseSchema } from '../../src/db/database-schema.js';
import { migrate } from '../../src/db/migrate.js';

/**
 * Runs one suite per dialect: SQLite (files in a temp dir, removed afterwards) and PostgreSQL
 * (a `CREATE DATABASE ir_test_<random>` per suite on the server of TEST_DATABASE_URL, dropped
 * afterwards, so parallel test files never share tables or migration locks).
 *
 * PostgreSQL unreachable: with CI=true the importing test file fails; otherwise its Postgres
 * suites are skipped and the reason is printed once.
 */

/** Both `postgres` and `root` are trust-auth superusers on the dev machine; `postgres` is the conventional one. */
export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL?.trim() || DEFAULT_TEST_DATABASE_URL;
const PROBE_TIMEOUT_MS = 2_000;

export interface DatabaseHarness {
  readonly dialect: SqlDialect;
  /** The suite's migrated database, opened in `beforeAll`. */
  readonly database: Database;
  /** Shortcut for `database.db`. */
  readonly db: Kysely<DatabaseSchema>;
  /** The URL of the suite's database, to open it again (e.g. as a second replica). */
  readonly url: string;
  /** A new empty (unmigrated) database, dropped after the suite; returns the URL to open it with. */
  createEmptyDatabase(): Promise<string>;
  /** Opens `url` (another pool: think "another replica"); closed after the suite. */
  open(url: string): Promise<Database>;
  /** A new migrated database of its own, for tests that need an empty slate. */
  openFresh(): Promise<Database>;
}

const postgresProblem = await probePostgres(TEST_DATABASE_URL);
if (postgresProblem !== undefined) {
  const message = `PostgreSQL at ${redactDatabaseUrl(TEST_DATABASE_URL)} is unreachable (${postgresProblem})`;
  if (process.env.CI === 'true') throw new Error(`${message}; CI requires it. Set TEST_DATABASE_URL or start PostgreSQL.`);
  const warned = globalThis as { imagerouterPostgresWarned?: boolean };
  if (warned.imagerouterPostgresWarned !== true) {
    warned.imagerouterPostgresWarned = true;
    console.warn(`${message}: skipping PostgreSQL suites. Set TEST_DATABASE_URL to run them.`);
  }
}

/** Whether the PostgreSQL suites run in this process. */
export const postgresAvailable = postgresProblem === undefined;

export function forEachDatabase(defineSuite: (harness: DatabaseHarness) => void): void {
  const dialects: SqlDialect[] = ['sqlite', 'postgres'];
  for (const dialect of dialects) {
    describe.skipIf(dialect === 'postgres' && !postgresAvailable)(dialect, () => {
      const harness = createHarness(dialect);
      beforeAll(() => harness.start());
      afterAll(() => harness.stop());
      defineSuite(harness);
    });
  }
}

interface ManagedHarness extends DatabaseHarness {
  start(): Promise<void>;
  stop(): Promise<void>;
}

function createHarness(dialect: SqlDialect): ManagedHarness {
  const opened: Database[] = [];
  const createdDatabases: string[] = [];
  let suiteDatabase: Database | undefined;
  let suiteUrl: string | undefined;
  let sqliteDir: string | undefined;
  let admin: pg.Client | undefined;
  let tearingDown = false;
  const backgroundErrors: Error[] = [];

  const harness: ManagedHarness = {
    dialect,
    get database(): Database {
      if (suiteDatabase === undefined) throw new Error('The test database is opened in beforeAll; use it inside tests or hooks');
      return suiteDatabase;
    },
    get db(): Kysely<DatabaseSchema> {
      return harness.database.db;
    },
    get url(): string {
      if (suiteUrl === undefined) throw new Error('The test database is created in beforeAll');
      return suiteUrl;
    },
    async createEmptyDatabase() {
      if (dialect === 'sqlite') {
        sqliteDir ??= await mkdtemp(path.join(os.tmpdir(), 'imagerouter-test-'));
        return `sqlite:${path.join(sqliteDir, `${uniqueName()}.db`)}`;
      }
      if (admin === undefined) {
        admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await admin.connect();
        await dropStaleTestDatabases(admin);
      }
      const name = uniqueName();
      await admin.query(`create database ${name}`);
      createdDatabases.push(name);
      const url = new URL(TEST_DATABASE_URL);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async open(url) {
      const database = await createDatabase({
        databaseUrl: url,
        dataDir: sqliteDir ?? os.tmpdir(),
        // Dropping a database WITH (FORCE) terminates connections pg-pool is still closing.
        onBackgroundError: (error) => {
          if (!tearingDown) backgroundErrors.push(error);
        },
      });
      opened.push(database);
      return database;
    },
    async openFresh() {
      const database = await harness.open(await harness.createEmptyDatabase());
      await migrate(database);
      return database;
    },
    async start() {
      suiteUrl = await harness.createEmptyDatabase();
      suiteDatabase = await harness.open(suiteUrl);
      await migrate(suiteDatabase);
    },
    async stop() {
      tearingDown = true;
      await Promise.allSettled(opened.map((database) => database.close()));
      for (const name of createdDatabases) await admin?.query(`drop database if exists ${name} with (force)`);
      await admin?.end();
      if (sqliteDir !== undefined) await rm(sqliteDir, { recursive: true, force: true });
      if (backgroundErrors.length > 0) throw new AggregateError(backgroundErrors, 'PostgreSQL pool errors during the suite');
    },
  };
  return harness;
}

const TEST_DATABASE_PREFIX = 'ir_test_';
/** A killed run leaves its databases behind; ones this old are dropped by the next run. */
const STALE_TEST_DATABASE_MS = 60 * 60 * 1000;

/** `ir_test_<base36 ms>_<random>`: lower case letters and digits, safe as an unquoted identifier. */
function uniqueName(): string {
  return `${TEST_DATABASE_PREFIX}${Date.now().toString(36)}_${randomBytes(5).toString('hex')}`;
}

async function dropStaleTestDatabases(admin: pg.Client): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>('select datname from pg_database where starts_with(datname, $1)', [
    TEST_DATABASE_PREFIX,
  ]);
  for (const { datname } of rows) {
    const createdAt = Number.parseInt(datname.slice(TEST_DATABASE_PREFIX.length).split('_')[0] ?? '', 36);
    if (/^[a-z0-9_]+$/.test(datname) && Date.now() - createdAt > STALE_TEST_DATABASE_MS) {
      await admin.query(`drop database if exists ${datname} with (force)`);
    }
  }
}

async function probePostgres(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  // An unreachable server can also surface as an 'error' event; without a listener it would crash.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}
