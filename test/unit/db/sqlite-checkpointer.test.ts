import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase } from '../../../src/db/create-database.js';
import { migrate } from '../../../src/db/migrate.js';
import {
  SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES,
  startSqliteCheckpointer,
  startSqliteCheckpointerLater,
  type CheckpointReport,
} from '../../../src/db/sqlite-checkpointer.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function walDatabase(): { file: string; connection: BetterSqlite3.Database } {
  const dir = mkdtempSync(path.join(tmpdir(), 'imagerouter-checkpoint-'));
  dirs.push(dir);
  const file = path.join(dir, 'test.db');
  const connection = new BetterSqlite3(file);
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = NORMAL');
  connection.pragma('busy_timeout = 5000');
  connection.exec('create table rows (id integer primary key, body text not null)');
  return { file, connection };
}

const autocheckpoint = (connection: BetterSqlite3.Database): unknown => connection.pragma('wal_autocheckpoint', { simple: true });

/** Small transactions, yielding to the event loop between batches as a server's requests do. */
async function writeRows(connection: BetterSqlite3.Database, count: number): Promise<void> {
  const insert = connection.prepare('insert into rows (body) values (?)');
  const write = connection.transaction((body: string) => insert.run(body));
  for (let index = 0; index < count; index += 1) {
    write(`row ${index} ${'x'.repeat(300)}`);
    if (index % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('startSqliteCheckpointer', () => {
  it('takes the checkpoints off the connection, copies the WAL into the file and starts the WAL over', async () => {
    const { file, connection } = walDatabase();
    const reports: CheckpointReport[] = [];
    const errors: Error[] = [];
    const checkpointer = startSqliteCheckpointer(connection, file, {
      intervalMs: 10,
      restartFrames: 100,
      onCheckpoint: (report) => reports.push(report),
      onError: (error) => errors.push(error),
    });
    expect(await checkpointer.ready).toBe(true);
    expect(autocheckpoint(connection)).toBe(0);
    const sizeBefore = statSync(file).size;

    await writeRows(connection, 4000);
    await expect.poll(() => reports.some((report) => report.restarted), { timeout: 10_000 }).toBe(true);

    // The rows' pages reach the database file, written by the worker: this connection no longer
    // checkpoints. Polled: a restart can come after the first 100 frames, before the last rows are copied.
    await expect.poll(() => statSync(file).size, { timeout: 10_000 }).toBeGreaterThan(sizeBefore + 1_000_000);
    expect(reports.some((report) => report.checkpointed > 0)).toBe(true);
    expect(errors).toEqual([]);
    await checkpointer.stop();
    expect(autocheckpoint(connection)).toBe(SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES);
    connection.close();
    const reader = new BetterSqlite3(file, { readonly: true });
    expect(reader.prepare('select count(*) as n from rows').get()).toEqual({ n: 4000 });
    reader.close();
  });

  it('leaves the connection checkpointing inline when the worker cannot open the database', async () => {
    const { file, connection } = walDatabase();
    const errors: Error[] = [];
    const checkpointer = startSqliteCheckpointer(connection, `${file}.missing`, { onError: (error) => errors.push(error) });
    expect(await checkpointer.ready).toBe(false);
    await expect.poll(() => errors.length, { timeout: 10_000 }).toBeGreaterThan(0);
    // `ready` resolved false when the worker exited: its reason and its exit make one report.
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/SQLite checkpoint worker: .*(unable to open|does not exist)/i);
    expect(autocheckpoint(connection)).toBe(SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES);
    await checkpointer.stop();
    connection.close();
  });

  // The worker's thread is the observable: its connection alone would not show (SQLite shares one
  // process's locks between connections).
  it.runIf(process.platform === 'linux')('is stopped by the database close: its thread ends', async () => {
    const threads = () => Number(/^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
    const dir = mkdtempSync(path.join(tmpdir(), 'imagerouter-checkpoint-'));
    dirs.push(dir);
    // libuv starts its thread pool on first use: started here, it can't be counted as the worker's.
    await stat(dir);
    const before = threads();
    const database = await createDatabase({ dataDir: dir, checkpointInBackground: true });
    await migrate(database);
    expect(await database.checkpointsInBackground).toBe(true);
    expect(threads()).toBeGreaterThan(before);
    await database.close();
    await expect.poll(threads, { timeout: 10_000 }).toBe(before);
  });
});

describe('startSqliteCheckpointerLater', () => {
  it('starts the worker only after the delay, and not at all when stopped before', async () => {
    const { file, connection } = walDatabase();
    const early = startSqliteCheckpointerLater(connection, file, 60_000);
    await early.stop();
    expect(await early.ready).toBe(false);
    expect(autocheckpoint(connection)).toBe(SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES);

    const later = startSqliteCheckpointerLater(connection, file, 50);
    expect(autocheckpoint(connection)).toBe(SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES);
    expect(await later.ready).toBe(true);
    expect(autocheckpoint(connection)).toBe(0);
    await later.stop();
    expect(autocheckpoint(connection)).toBe(SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES);
    connection.close();
  });
});
