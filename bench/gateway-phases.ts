import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { percentile } from './stats.js';

/** `node --import` this into the gateway: it records the phases below (bench/gateway-phases-preload.js). */
export const PHASES_PRELOAD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'gateway-phases-preload.js');
const WRITE_WAIT_MS = 5_000;
const POLL_MS = 20;

const rowsSchema = z.array(z.object({ arrived: z.number(), sent: z.number(), answered: z.number(), finished: z.number() }).partial());

/** One request's phases inside the gateway, in ms. */
export interface RequestPhases {
  /** From the request's arrival to its provider request on the wire: parsing, auth, admission, the hold, the provider's request. */
  beforeCall: number;
  /** From the provider request sent to the provider's whole answer read. */
  call: number;
  /** From the answer read to the response handed to the kernel: finding the image, writing it, the charge. */
  afterAnswer: number;
  total: number;
}

export interface PhaseRecorder {
  /** Environment for the gateway process: where the preload writes. */
  env: Record<string, string>;
  nodeArgs: string[];
  start(pid: number): void;
  /** Stops the recording and reads it: every request that went through all four points. */
  stop(pid: number): Promise<RequestPhases[]>;
  dispose(): void;
}

export function createPhaseRecorder(): PhaseRecorder {
  const file = path.join(tmpdir(), `imagerouter-bench-phases-${process.pid}-${Date.now()}.json`);
  return {
    env: { BENCH_PHASES_FILE: file },
    nodeArgs: ['--import', PHASES_PRELOAD],
    start(pid) {
      rmSync(file, { force: true });
      process.kill(pid, 'SIGUSR2');
    },
    async stop(pid) {
      process.kill(pid, 'SIGUSR2');
      const giveUpAt = Date.now() + WRITE_WAIT_MS;
      while (!existsSync(file)) {
        if (Date.now() > giveUpAt) throw new Error(`the gateway wrote no phases to ${file}`);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      const rows = rowsSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
      rmSync(file, { force: true });
      return rows.flatMap(({ arrived, sent, answered, finished }) =>
        arrived === undefined || sent === undefined || answered === undefined || finished === undefined
          ? []
          : [{ beforeCall: sent - arrived, call: answered - sent, afterAnswer: finished - answered, total: finished - arrived }],
      );
    },
    dispose() {
      rmSync(file, { force: true });
    },
  };
}

/** The median of each phase (medians do not add up to the median total). */
export function medianPhases(rows: readonly RequestPhases[]): RequestPhases {
  const median = (pick: (row: RequestPhases) => number) =>
    percentile(
      [...rows.map(pick)].sort((a, b) => a - b),
      50,
    );
  return {
    beforeCall: median((row) => row.beforeCall),
    call: median((row) => row.call),
    afterAnswer: median((row) => row.afterAnswer),
    total: median((row) => row.total),
  };
}
