import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApiKey } from '../src/accounts/api-key-repository.js';
import { createGenerationRecords } from '../src/accounts/generation-records.js';
import { createDatabase } from '../src/db/create-database.js';
import { migrate } from '../src/db/migrate.js';
import type { ImageRequest } from '../src/domain/image-request.js';
import { createMetrics } from '../src/observability/metrics.js';
import type { Scenario } from './scenario.js';
import { elapsedMs, formatFixed, formatInteger, markdownTable, summarize } from './stats.js';

/** Generations per variant; the first `UNTIMED` of them warm up (JIT, SQLite page cache). */
const GENERATIONS = 8000;
const UNTIMED = 1000;
const HOLD_MICROS = 40_000;
const MICROSECONDS_PER_MILLISECOND = 1000;

const REQUEST: ImageRequest = {
  model: 'openai/gpt-image-2',
  prompt: 'bench',
  quality: 'auto',
  size: { width: 1024, height: 1024 },
  n: 1,
  responseFormat: 'b64_ephemeral',
  outputFormat: 'png',
  images: [],
  mask: undefined,
  extra: {},
};

const VARIANTS = [
  { label: "inline (SQLite's default: inside the commit past 1000 pages)", background: false },
  { label: 'on a worker thread (`db/sqlite-checkpointer.ts`, the server)', background: true },
] as const;

/**
 * The two transactions every priced generation writes on SQLite (`startAndReserve`: the record and
 * the hold; `succeed`: the settle and the finished record), one generation at a time with the
 * event loop turning between them as in the server, with the WAL checkpointed inline or by the
 * worker the server starts. The times are what a request waits for its records.
 */
export const generationRecordsScenario: Scenario = {
  name: 'records',
  title: "A generation's records on SQLite: WAL checkpoints inline or on a worker",
  async run(_settings, progress) {
    const rows: string[][] = [];
    for (const variant of VARIANTS) {
      progress(`records, checkpoints ${variant.background ? 'on a worker' : 'inline'} …`);
      rows.push([variant.label, ...(await measure(variant.background))]);
    }
    return [
      `${formatInteger(GENERATIONS - UNTIMED)} generations per variant after ${formatInteger(UNTIMED)} untimed ones, each its two transactions ` +
        'through `accounts/generation-records.ts` on a fresh SQLite file (WAL, `synchronous = NORMAL`), with a turn of the event loop ' +
        'between generations. Times are per transaction, in microseconds; `WAL MiB` is the size of the `-wal` file at the end.',
      '',
      markdownTable(COLUMNS, rows),
    ].join('\n');
  },
};

const COLUMNS = [
  { title: 'checkpoints' },
  { title: 'reserve p50 µs', align: 'right' },
  { title: 'reserve p99 µs', align: 'right' },
  { title: 'reserve mean µs', align: 'right' },
  { title: 'settle p50 µs', align: 'right' },
  { title: 'settle p99 µs', align: 'right' },
  { title: 'settle mean µs', align: 'right' },
  { title: 'WAL MiB', align: 'right' },
] as const;

async function measure(background: boolean): Promise<string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'imagerouter-bench-records-'));
  const database = await createDatabase({ dataDir: dir, checkpointInBackground: background });
  try {
    await migrate(database);
    if (background && !(await database.checkpointsInBackground)) throw new Error('the checkpoint worker did not start');
    const owner = await createApiKey(database.db, { name: 'bench', creditsMicros: HOLD_MICROS * GENERATIONS * 2 });
    const records = createGenerationRecords(database.db, createMetrics({ defaultMetrics: false }), { clock: Date.now, leaseMs: 60_000 });
    const reserveMs: number[] = [];
    const settleMs: number[] = [];
    for (let index = 0; index < GENERATIONS; index += 1) {
      await new Promise((resolve) => setImmediate(resolve));
      const id = randomUUID();
      const started = process.hrtime.bigint();
      await records.startAndReserve({
        id,
        accountId: owner.account.id,
        apiKeyId: owner.apiKey.id,
        request: REQUEST,
        reservedMicros: HOLD_MICROS,
        createdAt: Date.now(),
      });
      const reserved = process.hrtime.bigint();
      await records.succeed({
        id,
        model: REQUEST.model,
        accountId: owner.account.id,
        reservedMicros: HOLD_MICROS,
        costMicros: HOLD_MICROS,
        provider: 'openai',
        route: 'openai:gpt-image-2',
        latencyMs: 3,
        imageCount: 1,
        outputIds: [],
        warnings: [],
        attempts: [],
        finishedAt: Date.now(),
      });
      const settled = process.hrtime.bigint();
      if (index < UNTIMED) continue;
      reserveMs.push(elapsedMs(started, reserved));
      settleMs.push(elapsedMs(reserved, settled));
    }
    const walBytes = statSync(path.join(dir, 'imagerouter.db-wal')).size;
    const micros = (ms: number) => formatInteger(ms * MICROSECONDS_PER_MILLISECOND);
    const reserve = summarize(reserveMs);
    const settle = summarize(settleMs);
    return [
      micros(reserve.p50),
      micros(reserve.p99),
      micros(reserve.mean),
      micros(settle.p50),
      micros(settle.p99),
      micros(settle.mean),
      formatFixed(walBytes / 1_048_576, 1),
    ];
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
