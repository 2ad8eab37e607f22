import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';

/** SQLite's own default: with the checkpointer away, the committing connection checkpoints again. */
export const SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
/** How often the worker copies the WAL back into the database file (a passive checkpoint). */
export const CHECKPOINT_INTERVAL_MS = 100;
/** WAL frames (pages) past which the worker resets the WAL: ~16 MB at SQLite's 4 KiB pages. */
export const RESTART_FRAMES = 4000;

export interface CheckpointReport {
  /** Frames in the WAL when the checkpoint ran, and how many of them are now in the database file. */
  log: number;
  checkpointed: number;
  /** The WAL was checkpointed whole and the next commit starts it over. */
  restarted: boolean;
}

export interface SqliteCheckpointerOptions {
  intervalMs?: number;
  restartFrames?: number;
  /** The worker failed or exited early: the connection checkpoints inline again. */
  onError?: (error: Error) => void;
  /** Every checkpoint that found frames in the WAL (tests and diagnostics). */
  onCheckpoint?: (report: CheckpointReport) => void;
}

export interface SqliteCheckpointer {
  /** Resolves once the worker has its own connection open and `connection` stopped checkpointing. */
  readonly ready: Promise<boolean>;
  /** A last checkpoint, the worker's connection closed, inline checkpoints back on. Idempotent. */
  stop(): Promise<void>;
}

/** What the worker posts to its parent. */
type WorkerMessage = { kind: 'ready' } | ({ kind: 'checkpoint' } & CheckpointReport) | { kind: 'failed'; message: string };

/**
 * The worker, as a CommonJS script (run with `eval`, so the same text works from `dist/` and
 * from the TypeScript sources under test). It opens the database file on its own connection and
 * runs a PASSIVE checkpoint every interval, which never waits for a lock and never blocks a
 * writer. Only when the WAL has grown past `restartFrames` does it run a RESTART, which holds the
 * write lock while it copies the few frames PASSIVE left: a commit of the server that meets it
 * waits (its busy timeout) about a millisecond, about once a second under full load.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
let db;
try {
  db = new Database(workerData.file, { fileMustExist: true });
  db.pragma('busy_timeout = 0');
} catch (error) {
  parentPort.postMessage({ kind: 'failed', message: String(error && error.message || error) });
  process.exit(1);
}
const RESTART_ATTEMPTS = 50;
const pause = new Int32Array(new SharedArrayBuffer(4));
const checkpoint = () => {
  const passive = db.pragma('wal_checkpoint(PASSIVE)')[0];
  let report = { log: passive.log, checkpointed: passive.checkpointed, restarted: false };
  // PASSIVE never lets the WAL start over while the server keeps writing. Past the limit, RESTART
  // does, taking the write lock only if it is free right now (busy_timeout 0); PASSIVE just copied
  // nearly everything, so it holds the lock briefly. Between two of the server's transactions the
  // lock is free: tries a fifth of a millisecond apart find such a gap.
  for (let attempt = 0; report.log >= workerData.restartFrames && !report.restarted && attempt < RESTART_ATTEMPTS; attempt += 1) {
    if (attempt > 0) Atomics.wait(pause, 0, 0, 0.2);
    const restart = db.pragma('wal_checkpoint(RESTART)')[0];
    report = { log: restart.log, checkpointed: restart.checkpointed, restarted: restart.busy === 0 };
  }
  if (report.log > 0) parentPort.postMessage({ kind: 'checkpoint', ...report });
};
const timer = setInterval(() => {
  try {
    checkpoint();
  } catch (error) {
    parentPort.postMessage({ kind: 'failed', message: String(error && error.message || error) });
    clearInterval(timer);
    db.close();
    process.exit(1);
  }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  try { checkpoint(); } catch {}
  db.close();
  parentPort.close();
});
parentPort.postMessage({ kind: 'ready' });
`;

/**
 * Moves the WAL checkpoints of a SQLite database off the serving thread. By default SQLite runs
 * one inside the commit that takes the WAL past 1000 pages: in the hot-path bench, inside every
 * ~88th commit, 2-8 ms each, half of all commit time (docs/performance.md). A worker thread
 * with its own connection checkpoints every `intervalMs` instead, and `connection` sets
 * `wal_autocheckpoint = 0` once the worker is up. If the worker can't start or dies, the
 * connection checkpoints inline again: the WAL never grows without bound.
 */
export function startSqliteCheckpointer(
  connection: BetterSqlite3.Database,
  file: string,
  options: SqliteCheckpointerOptions = {},
): SqliteCheckpointer {
  const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      file,
      driverPath,
      intervalMs: options.intervalMs ?? CHECKPOINT_INTERVAL_MS,
      restartFrames: options.restartFrames ?? RESTART_FRAMES,
    },
    // A small heap: the worker holds a connection and a timer, nothing else.
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
  });
  // The server's shutdown stops it; it must never be what keeps the process alive.
  worker.unref();
  let stopping = false;
  let inline = true;
  const checkpointInline = (): void => {
    if (inline) return;
    inline = true;
    if (connection.open) connection.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES}`);
  };
  // A worker that fails says why, then exits: one report, the first.
  let failed = false;
  const fail = (error: Error): void => {
    checkpointInline();
    if (stopping || failed) return;
    failed = true;
    options.onError?.(error);
  };
  let resolveReady: (ready: boolean) => void = () => undefined;
  const ready = new Promise<boolean>((resolve) => (resolveReady = resolve));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('message', (message: WorkerMessage) => {
    if (message.kind === 'ready') {
      if (!stopping && connection.open) {
        connection.pragma('wal_autocheckpoint = 0');
        inline = false;
      }
      resolveReady(!inline);
    } else if (message.kind === 'checkpoint') {
      options.onCheckpoint?.({ log: message.log, checkpointed: message.checkpointed, restarted: message.restarted });
    } else {
      fail(new Error(`SQLite checkpoint worker: ${message.message}`));
    }
  });
  worker.on('error', fail);
  worker.once('exit', (code) => {
    resolveReady(false);
    if (!stopping) fail(new Error(`SQLite checkpoint worker exited (${code})`));
  });
  let stopped: Promise<void> | undefined;
  return {
    ready,
    stop: () =>
      (stopped ??= (async () => {
        stopping = true;
        // Inline first: a commit between here and the worker's exit must not find nobody checkpointing.
        checkpointInline();
        // Referenced again while it winds down: awaiting an unreferenced worker's exit would let the
        // process run out of work first (a start that fails closes the database as its last step).
        worker.ref();
        worker.postMessage('stop');
        await exited;
      })()),
  };
}

/** How long after the database opens the worker starts: past a server's cold start. */
export const CHECKPOINTER_START_DELAY_MS = 2_000;

/**
 * `startSqliteCheckpointer` after `delayMs`. A worker boots its own V8 isolate (tens of
 * milliseconds of CPU), which a server's cold start on a small machine would otherwise share;
 * until it is up, SQLite checkpoints inline as it always does.
 */
export function startSqliteCheckpointerLater(
  connection: BetterSqlite3.Database,
  file: string,
  delayMs: number,
  options: SqliteCheckpointerOptions = {},
): SqliteCheckpointer {
  let started: SqliteCheckpointer | undefined;
  let stopped = false;
  let resolveReady: (ready: boolean) => void = () => undefined;
  const ready = new Promise<boolean>((resolve) => (resolveReady = resolve));
  const timer = setTimeout(() => {
    if (stopped || !connection.open) return resolveReady(false);
    started = startSqliteCheckpointer(connection, file, options);
    void started.ready.then(resolveReady);
  }, delayMs);
  // Not unreferenced: whoever awaits `ready` (a bench, a test) must not see the process end first.
  // The server clears it on close; it holds any other process for at most `delayMs`.
  return {
    ready,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      if (started === undefined) resolveReady(false);
      else await started.stop();
    },
  };
}
