/**
 * `npm run bench [-- <scenario>... [--duration <s>] ...]`: runs benchmark scenarios and prints one
 * markdown report (machine details, then a section per scenario) on stdout; progress goes to
 * stderr, so `npm run bench > report.md` keeps only the report.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { tuneServerHeap } from '../src/cli/tune-server-heap.js';
import { coldStartScenario } from './cold-start.js';
import { dashboardScenario } from './dashboard.js';
import { formatConversionScenario } from './format-conversion.js';
import { gatewayOverheadScenario } from './gateway-overhead.js';
import { generationRecordsScenario } from './generation-records.js';
import { gatewayTestModelScenario } from './gateway-test-model.js';
import { machineDetails, memoryHandedBackLine } from './machine.js';
import { newFileWriteCostMsPerMiB } from './new-file-write-cost.js';
import { bytesReportedToHost } from './page-reporting.js';
import { soakScenario } from './soak.js';
import { PREWARM_CONCURRENCY, type BenchSettings, type Scenario } from './scenario.js';
import { redisRateLimitScenario } from './redis-rate-limit.js';
import { replicasScenario } from './replicas.js';
import { testRenderScenario } from './test-render.js';
import { uploadMemoryScenario } from './upload-memory.js';

/** In report order; a new scenario is one more file and one more entry here. */
const SCENARIOS: readonly Scenario[] = [
  gatewayTestModelScenario,
  gatewayOverheadScenario,
  generationRecordsScenario,
  testRenderScenario,
  formatConversionScenario,
  dashboardScenario,
  redisRateLimitScenario,
  replicasScenario,
  uploadMemoryScenario,
  coldStartScenario,
  soakScenario,
];

const DEFAULTS = { warmupSeconds: 4, prewarmSeconds: 15, durationSeconds: 10, maxRequests: 2000, iterations: 30 } as const;
const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

const USAGE = `Usage: npm run bench -- [scenario...] [options]

Scenarios (all but soak when none is named): ${SCENARIOS.map((scenario) => scenario.name).join(', ')}

Options:
  --warmup <seconds>     least unmeasured load before each load level, which also waits for
                         2 responses per connection (default ${DEFAULTS.warmupSeconds})
  --prewarm <seconds>    overhead: unmeasured load at c=${PREWARM_CONCURRENCY} on each path before its first
                         load level, so every process is measured warm (default ${DEFAULTS.prewarmSeconds}; 0 = none)
  --duration <seconds>   longest measurement window per load level (default ${DEFAULTS.durationSeconds});
                         for soak, the whole soak (default 600)
  --max-requests <n>     most responses per load level's window (default ${DEFAULTS.maxRequests})
  --iterations <n>       timed rounds per micro-benchmark variant (default ${DEFAULTS.iterations})
  --concurrency <list>   only these load levels in the load scenarios, e.g. 16 or 1,16
  --cpu-prof <dir>       run the gateway processes with node --cpu-prof, profiles written to <dir>
  --help                 show this`;

async function main(): Promise<void> {
  // The load client may still move megabytes of Buffers per response (bodies it keeps for
  // `failureOf`, the scenarios' own checks) with a heap of a few dozen MB: the same V8 pattern as
  // the gateway, so the same tuning. With the `node:http` client it had until 2026-12-05, the
  // gateway's c=1 row (measured last) read 141-176 req/s in three of four runs without it, 334 with.
  tuneServerHeap();
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      warmup: { type: 'string' },
      prewarm: { type: 'string' },
      duration: { type: 'string' },
      'max-requests': { type: 'string' },
      iterations: { type: 'string' },
      concurrency: { type: 'string' },
      'cpu-prof': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const settings: BenchSettings = {
    warmupMs: positiveNumber('--warmup', values.warmup, DEFAULTS.warmupSeconds, 0) * 1000,
    prewarmMs: positiveNumber('--prewarm', values.prewarm, DEFAULTS.prewarmSeconds, 0) * 1000,
    durationMs: positiveNumber('--duration', values.duration, DEFAULTS.durationSeconds, 0.1) * 1000,
    durationExplicit: values.duration !== undefined,
    maxRequests: Math.round(positiveNumber('--max-requests', values['max-requests'], DEFAULTS.maxRequests, 1)),
    iterations: Math.round(positiveNumber('--iterations', values.iterations, DEFAULTS.iterations, 1)),
    ...(values.concurrency === undefined ? {} : { concurrencyLevels: concurrencyList(values.concurrency) }),
    ...(values['cpu-prof'] === undefined ? {} : { cpuProfileDir: path.resolve(values['cpu-prof']) }),
  };
  const chosen = pickScenarios(positionals);

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    // `exit` handlers (see gateway-process.ts) kill child gateways and remove their data dirs.
    process.once(signal, () => process.exit(SIGNAL_EXIT_CODES[signal]));
  }

  const startedAt = Date.now();
  const progress = (message: string): void => {
    process.stderr.write(`[bench ${((Date.now() - startedAt) / 1000).toFixed(0).padStart(3)} s] ${message}\n`);
  };
  const reportedAtStart = bytesReportedToHost();
  const warmth = { newFileWriteMsPerMiB: newFileWriteCostMsPerMiB(), reportedToHostBytes: reportedAtStart };
  const sections = ['# ImageRouter benchmark', '', machineDetails(warmth, new Date(startedAt))];
  process.stdout.write(`${sections.join('\n')}\n`);
  for (const scenario of chosen) {
    progress(`scenario ${scenario.name}`);
    const body = await scenario.run(settings, progress);
    process.stdout.write(`\n## ${scenario.title}\n\n${body}\n`);
  }
  const reportedAtEnd = bytesReportedToHost();
  if (reportedAtStart !== undefined && reportedAtEnd !== undefined) {
    process.stdout.write(`\n${memoryHandedBackLine(reportedAtStart, reportedAtEnd)}\n`);
  }
  progress(`done in ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
}

function pickScenarios(names: readonly string[]): Scenario[] {
  if (names.length === 0) return SCENARIOS.filter((scenario) => scenario.explicitOnly !== true);
  return names.map((name) => {
    const scenario = SCENARIOS.find((candidate) => candidate.name === name);
    if (!scenario) throw new Error(`unknown scenario '${name}'; choose from ${SCENARIOS.map((candidate) => candidate.name).join(', ')}`);
    return scenario;
  });
}

function concurrencyList(text: string): number[] {
  return text.split(',').map((part) => {
    const value = Number(part.trim());
    if (!Number.isInteger(value) || value < 1) throw new Error(`--concurrency takes positive integers separated by commas, got '${text}'`);
    return value;
  });
}

function positiveNumber(flag: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min) throw new Error(`${flag} must be a number >= ${min}, got '${text}'`);
  return value;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
