import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startGatewayProcess, type GatewayProcess } from './gateway-process.js';
import { startListeningProcess } from './listening-process.js';
import { runLoad, type LoadRequest } from './load-client.js';
import type { Scenario } from './scenario.js';
import { formatFixed, formatInteger, formatMs, formatRate, markdownTable, summarize } from './stats.js';

const UPSTREAM_KEY = 'sk-bench-upstream-key-0123456789';
const PATH = '/v1/openai/images/generations';
const CONCURRENCY = 16;
/** The fake answers every 10th generation with a 500: 10% upstream errors. */
const FAIL_EVERY = 10;
const SAMPLE_INTERVAL_MS = 5_000;
/** The first fifth of the run is warm-up: caches, JIT and pools fill there, so it is not in the slope. */
const WARMUP_SHARE = 0.2;
const BYTES_PER_MIB = 1024 * 1024;
/**
 * glibc's allocator keeps up to 8 arenas per core, one per thread that contends for one, and
 * fragments across them under a long mix of threads (libvips, libuv's pool, SQLite's checkpoint
 * worker); sharp's documentation advises 2, and the container image sets it. The soak measures the
 * gateway as deployed there; `MALLOC_ARENA_MAX=<n> npm run bench -- soak` runs it with another value.
 */
const DEFAULT_MALLOC_ARENA_MAX = '2';

/**
 * Loaded into the gateway with `--import`: writes `process.memoryUsage()` to the file named by
 * BENCH_MEMORY_FILE every second, so the soak can tell which part of the RSS grows (V8's heap,
 * Buffers, or native memory such as SQLite's, libvips' and the allocator's).
 */
const MEMORY_REPORTER =
  'data:text/javascript,' +
  encodeURIComponent(
    "import{writeFileSync}from'node:fs';const file=process.env.BENCH_MEMORY_FILE;" +
      'setInterval(()=>writeFileSync(file,JSON.stringify(process.memoryUsage())),1000).unref();',
  );

interface Sample {
  atMs: number;
  rssBytes: number;
  /** Anonymous memory of the process (smaps_rollup); the rest of the RSS is file-backed or shared (SQLite's WAL index). */
  anonymousBytes: number;
  /** From the gateway's own `process.memoryUsage()`, at most a second old. */
  heapTotalBytes: number;
  heapUsedBytes: number;
  /** Memory V8 attributes to C++ objects bound to JS ones, Buffers included. */
  externalBytes: number;
  openFds: number;
}

/** The parts of the RSS whose slopes the report gives, each from a sample. */
const MEMORY_PARTS: ReadonlyArray<[string, (sample: Sample) => number]> = [
  ['file-backed and shared (RSS − anonymous)', (sample) => sample.rssBytes - sample.anonymousBytes],
  ['V8 heap, reserved (heapTotal)', (sample) => sample.heapTotalBytes],
  ['V8 heap, used (heapUsed)', (sample) => sample.heapUsedBytes],
  ['external (Buffers, native objects)', (sample) => sample.externalBytes],
  ['other native (anonymous − heapTotal − external)', (sample) => sample.anonymousBytes - sample.heapTotalBytes - sample.externalBytes],
];

/**
 * A long closed loop of mixed traffic against one gateway process: `test/test` (rendered, 256x256)
 * and `openai/gpt-image-2` on a fake OpenAI upstream that fails every 10th call with a 500, as
 * `b64_ephemeral` and `url`, at concurrency 16. Samples the gateway's RSS and open file
 * descriptors (Linux /proc) every 5 s; the verdict is the RSS slope after warm-up, the 5xx count
 * and whether descriptors grew. Not in the default run: `npm run bench -- soak [--duration <s>]`
 * (the duration is the whole soak; default 600 s).
 */
export const soakScenario: Scenario = {
  name: 'soak',
  title: 'Soak: mixed traffic with upstream errors',
  explicitOnly: true,
  async run(settings, progress) {
    const durationMs = settings.durationExplicit ? settings.durationMs : 600_000;
    const upstream = await startListeningProcess('fake-openai-server.ts', ['0', String(FAIL_EVERY)]);
    const reportDir = mkdtempSync(path.join(tmpdir(), 'imagerouter-soak-'));
    const memoryFile = path.join(reportDir, 'memory.json');
    const mallocArenaMax = process.env['MALLOC_ARENA_MAX'] ?? DEFAULT_MALLOC_ARENA_MAX;
    let gateway: GatewayProcess | undefined;
    try {
      gateway = await startGatewayProcess({
        env: {
          OPENAI_API_KEY: UPSTREAM_KEY,
          OPENAI_BASE_URL: `http://127.0.0.1:${upstream.port}/v1`,
          BENCH_MEMORY_FILE: memoryFile,
          MALLOC_ARENA_MAX: mallocArenaMax,
        },
        nodeArgs: ['--import', MEMORY_REPORTER],
      });
      const key = await gateway.createKey('soak');
      const pid = gateway.pid;
      if (pid === undefined) throw new Error('the gateway has no pid');
      const requests = mix(key);
      const samples: Sample[] = [];
      const startedAt = Date.now();
      const sample = () => samples.push({ atMs: Date.now() - startedAt, ...memoryOf(pid, memoryFile), openFds: openFdsOf(pid) });
      sample();
      const sampler = setInterval(() => {
        sample();
        const last = samples.at(-1)!;
        const mib = (bytes: number) => formatFixed(bytes / BYTES_PER_MIB, 1);
        progress(
          `  ${(last.atMs / 60_000).toFixed(1)} min: RSS ${mib(last.rssBytes)} MiB (anonymous ${mib(last.anonymousBytes)}, ` +
            `heap ${mib(last.heapUsedBytes)}/${mib(last.heapTotalBytes)}, external ${mib(last.externalBytes)}), ${last.openFds} fds`,
        );
      }, SAMPLE_INTERVAL_MS);
      progress(`soak for ${durationMs / 1000} s at c=${CONCURRENCY} …`);
      const result = await runLoad({
        port: gateway.port,
        concurrency: CONCURRENCY,
        warmupMs: 0,
        durationMs,
        maxRequests: Number.MAX_SAFE_INTEGER,
        request: (index) => requests[index % requests.length]!,
      }).finally(() => clearInterval(sampler));
      sample();

      const steady = samples.filter((entry) => entry.atMs >= durationMs * WARMUP_SHARE);
      // A sample the memory file missed (not written yet, caught mid-write) is left out of that part's slope, not made NaN.
      const slopeOf = (part: (entry: Sample) => number) =>
        slopePerMinute(
          steady.filter((entry) => Number.isFinite(part(entry))).map((entry) => [entry.atMs / 60_000, part(entry) / BYTES_PER_MIB]),
        );
      const slope = slopeOf((entry) => entry.rssBytes);
      const fdsAfterWarmup = steady[0]?.openFds ?? Number.NaN;
      const latency = summarize(result.latenciesMs);
      const fiveXx = Object.entries(result.errorKinds)
        .filter(([kind]) => /^HTTP 5/.test(kind))
        .reduce((sum, [, count]) => sum + count, 0);
      const rows = [
        ['MALLOC_ARENA_MAX (glibc)', mallocArenaMax],
        [
          'duration',
          `${formatFixed(durationMs / 60_000, 1)} min (slope over the last ${formatFixed((durationMs * (1 - WARMUP_SHARE)) / 60_000, 1)})`,
        ],
        ['requests completed', formatInteger(result.completedInWindow)],
        ['req/s', formatRate(result.requestsPerSecond)],
        ['p50 / p99 ms', `${formatMs(latency.p50)} / ${formatMs(latency.p99)}`],
        ['errors seen by the client', result.errors === 0 ? '0' : `${result.errors} (${JSON.stringify(result.errorKinds)})`],
        ['5xx seen by the client', String(fiveXx)],
        [
          'RSS at start / after warm-up / at end (MiB)',
          [samples[0], steady[0], samples.at(-1)]
            .map((entry) => formatFixed((entry?.rssBytes ?? Number.NaN) / BYTES_PER_MIB, 1))
            .join(' / '),
        ],
        ['RSS slope after warm-up (MiB/min; goal < 1)', formatFixed(slope, 2)],
        ...MEMORY_PARTS.map(([name, part]) => [
          `${name}: after warm-up / at end (MiB), slope (MiB/min)`,
          `${[steady[0], samples.at(-1)].map((entry) => (entry ? formatFixed(part(entry) / BYTES_PER_MIB, 1) : '–')).join(' / ')}, ${formatFixed(slopeOf(part), 2)}`,
        ]),
        ['open file descriptors after warm-up / at end', `${fdsAfterWarmup} / ${samples.at(-1)?.openFds ?? '–'}`],
      ];
      return [
        `One gateway process (SQLite) under a closed loop at c=${CONCURRENCY} of four requests in turn: \`test/test\` 256x256 as ` +
          '`b64_ephemeral` and as `url`, `openai/gpt-image-2` 1024x1024 PNG as `b64_ephemeral` and as `url`, the latter two on the fake ' +
          `OpenAI upstream, which answers every ${FAIL_EVERY}th call with a 500 (the gateway retries it). RSS and open descriptors ` +
          `from /proc every ${SAMPLE_INTERVAL_MS / 1000} s; the slope is a least-squares fit after the first ${WARMUP_SHARE * 100}% of the run.`,
        '',
        markdownTable([{ title: 'measure' }, { title: 'value', align: 'right' }], rows),
      ].join('\n');
    } finally {
      // Also when the gateway never started: the upstream and the report dir go either way.
      await gateway?.stop();
      upstream.stop();
      rmSync(reportDir, { recursive: true, force: true });
    }
  },
};

function mix(key: string): LoadRequest[] {
  const request = (body: Record<string, unknown>): LoadRequest => ({
    method: 'POST',
    path: PATH,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(body)),
  });
  return [
    request({ model: 'test/test', prompt: 'soak', size: '256x256', response_format: 'b64_ephemeral', output_format: 'webp' }),
    request({ model: 'openai/gpt-image-2', prompt: 'soak', size: '1024x1024', response_format: 'b64_ephemeral', output_format: 'png' }),
    request({ model: 'test/test', prompt: 'soak', size: '256x256', response_format: 'url', output_format: 'webp' }),
    request({ model: 'openai/gpt-image-2', prompt: 'soak', size: '1024x1024', response_format: 'url', output_format: 'png' }),
  ];
}

function memoryOf(pid: number, memoryFile: string): Omit<Sample, 'atMs' | 'openFds'> {
  const kib = (text: string, field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text);
    return match ? Number(match[1]) * 1024 : Number.NaN;
  };
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  let usage: Partial<Record<'heapTotal' | 'heapUsed' | 'external', number>> = {};
  try {
    usage = JSON.parse(readFileSync(memoryFile, 'utf8')) as typeof usage;
  } catch {
    // Not written yet, or caught mid-write: this sample goes without it.
  }
  return {
    rssBytes: kib(rollup, 'Rss'),
    anonymousBytes: kib(rollup, 'Anonymous'),
    heapTotalBytes: usage.heapTotal ?? Number.NaN,
    heapUsedBytes: usage.heapUsed ?? Number.NaN,
    externalBytes: usage.external ?? Number.NaN,
  };
}

function openFdsOf(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return Number.NaN;
  }
}

/** Least-squares slope of y over x. */
function slopePerMinute(allPoints: Array<[number, number]>): number {
  // A sample without the gateway's own report has NaN parts: left out, not propagated.
  const points = allPoints.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (points.length < 2) return Number.NaN;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / points.length;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / points.length;
  const covariance = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const variance = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  return variance === 0 ? Number.NaN : covariance / variance;
}
