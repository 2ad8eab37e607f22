import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type SqliteDatabase } from 'kysely';
import type { DatabaseSchema } from './database-schema.js';
import { CHECKPOINTER_START_DELAY_MS, startSqliteCheckpointerLater } from './sqlite-checkpointer.js';
import { toSafeInteger } from './to-safe-integer.js';

export type SqlDialect = 'sqlite' | 'postgres';

/** An open database: the query builder, which dialect is behind it, and how to close it. */
export interface Database {
  db: Kysely<DatabaseSchema>;
  dialect: SqlDialect;
  /**
   * SQLite: its `data_version`, which changes whenever another connection (another process, the
   * CLI) committed since this connection last looked; never for this connection's own commits.
   */
  dataVersion?: () => number;
  /** With `checkpointInBackground`: true once the worker took the WAL checkpoints over, false if it could not. */
  checkpointsInBackground?: Promise<boolean>;
  close(): Promise<void>;
}

export interface CreateDatabaseOptions {
  /** Unset → SQLite at `<dataDir>/imagerouter.db`; `sqlite:<path>` or `sqlite::memory:`; `postgres(ql)://...`. */
  databaseUrl?: string | undefined;
  /** Base directory of the default SQLite file. */
  dataDir: string;
  /** Errors of idle pooled Postgres connections (e.g. a server restart); the pool replaces them. */
  onBackgroundError?: (error: Error) => void;
  /**
   * SQLite file only: WAL checkpoints run on a worker thread (`sqlite-checkpointer.ts`) instead
   * of inside a request's commit, from two seconds after the open (past a cold start). For the
   * server; short CLI commands leave it off.
   */
  checkpointInBackground?: boolean;
}

export const DEFAULT_SQLITE_FILE = 'imagerouter.db';
/** Enough for one replica: requests hold a connection only for a statement or a short transaction. */
export const POSTGRES_POOL_SIZE = 10;
/** How long a SQLite writer waits for another process's lock before failing with SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;
const POSTGRES_INT8_OID = 20;

/** Opens (and for SQLite, creates) the database. Does not migrate: call `migrate()` next. */
export async function createDatabase(options: CreateDatabaseOptions): Promise<Database> {
  const url = options.databaseUrl?.trim();
  if (url === undefined || url === '') {
    return openSqlite(path.join(options.dataDir, DEFAULT_SQLITE_FILE), options);
  }
  if (url.startsWith('sqlite:')) {
    return openSqlite(sqliteFileFromUrl(url), options);
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    return openPostgres(url, options.onBackgroundError ?? warnBackgroundError);
  }
  throw new Error(
    `Unsupported DATABASE_URL '${redactDatabaseUrl(url)}': use 'postgres://...', 'sqlite:<path>', or leave it unset for SQLite in the data dir`,
  );
}

/** `sqlite:<path>`, `sqlite:///abs/path` or `sqlite::memory:` → the file name better-sqlite3 takes. */
export function sqliteFileFromUrl(url: string): string {
  const rest = url.slice('sqlite:'.length);
  if (rest === ':memory:') return ':memory:';
  const file = rest.startsWith('//') ? rest.slice(2) : rest;
  if (file === '') throw new Error("DATABASE_URL 'sqlite:' needs a path, e.g. 'sqlite:./data/imagerouter.db'");
  return path.resolve(file);
}

function openSqlite(file: string, options: CreateDatabaseOptions): Database {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const connection = new BetterSqlite3(file);
  // WAL lets readers proceed while one request writes; NORMAL sync is durable across process
  // crashes in WAL mode (only an OS crash can lose the last commits) and much faster than FULL.
  if (file !== ':memory:') connection.pragma('journal_mode = WAL');
  connection.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  connection.pragma('foreign_keys = ON');
  connection.pragma('synchronous = NORMAL');
  const db = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: withStatementCache(connection) }) });
  const checkpointer =
    options.checkpointInBackground === true && file !== ':memory:'
      ? startSqliteCheckpointerLater(connection, file, CHECKPOINTER_START_DELAY_MS, { onError: warnCheckpointError })
      : undefined;
  const dataVersion = connection.prepare('pragma data_version').pluck();
  return {
    db,
    dialect: 'sqlite',
    dataVersion: () => dataVersion.get() as number,
    ...(checkpointer ? { checkpointsInBackground: checkpointer.ready } : {}),
    close: async () => {
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}

/**
 * Kysely opens every transaction with a deferred `begin`. Ours all write, and a deferred transaction
 * that reads and then writes while another process (a second `serve` on the same file, the CLI)
 * has committed fails at once with SQLITE_BUSY: the busy timeout can't help a read snapshot that is
 * already stale. `begin immediate` takes the write lock up front, so it waits its turn instead.
 * Within one process it changes nothing: Kysely runs one transaction at a time on the connection.
 */
const BEGIN_WRITE_TRANSACTION = 'begin immediate';

/** Distinct SQL texts kept prepared; the gateway issues a few dozen, so this never evicts in practice. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every query anew; better-sqlite3 statements are reusable, and preparing costs
 * more than running the small queries of a request. Kysely runs one query at a time per
 * connection, so a cached statement is never in use twice.
 */
function withStatementCache(connection: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => connection.close(),
    prepare(query: string) {
      const text = query === 'begin' ? BEGIN_WRITE_TRANSACTION : query;
      let statement = cache.get(text);
      if (statement === undefined) {
        statement = connection.prepare(text);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
        cache.set(text, statement);
      }
      return statement;
    },
  };
}

async function openPostgres(url: string, onBackgroundError: (error: Error) => void): Promise<Database> {
  // Loaded only here: a gateway on SQLite starts without it.
  const { default: pg } = await import('pg');
  // Per pool rather than the global pg.types, so other pg users in the process are unaffected.
  // BIGINT (money, timestamps, COUNT) comes back as a number, the same as on SQLite.
  const types = new pg.TypeOverrides();
  types.setTypeParser(POSTGRES_INT8_OID, (text: string) => toSafeInteger(text, 'bigint'));
  const pool = new pg.Pool({ connectionString: url, max: POSTGRES_POOL_SIZE, types });
  // Without a listener, an idle connection dropped by the server would crash the process.
  pool.on('error', onBackgroundError);
  const db = new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    await db.destroy();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot connect to PostgreSQL at ${redactDatabaseUrl(url)} (DATABASE_URL): ${reason}`, { cause: error });
  }
  return { db, dialect: 'postgres', close: () => db.destroy() };
}

function warnCheckpointError(error: Error): void {
  process.emitWarning(`${error.message}; checkpointing inline instead`, { code: 'IMAGEROUTER_SQLITE_CHECKPOINT' });
}

function warnBackgroundError(error: Error): void {
  process.emitWarning(`PostgreSQL pool: ${error.message}`, { code: 'IMAGEROUTER_DB_POOL' });
}

/** The URL without its password, for messages. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}
