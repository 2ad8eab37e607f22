import type { IncomingHttpHeaders } from 'node:http';
import sharp from 'sharp';
import { cpuSnapshot, cpuUsageBetween, otherCores, type CpuSnapshot, type CpuUsage } from './cpu-time.js';
import { startGatewayProcess, type GatewayProcess } from './gateway-process.js';
import {
  bodySnippet,
  describeErrors,
  loopbackPort,
  requestOnce,
  runLoad,
  WARMUP_ROUNDS,
  type LoadRequest,
  type LoadResponse,
  type LoadResult,
} from './load-client.js';
import type { BenchSettings, Scenario } from './scenario.js';
import { formatFixed, formatInteger, formatKiB, formatMs, formatRate, markdownTable, summarize } from './stats.js';

const GENERATIONS_PATH = '/v1/openai/images/generations';
const CONCURRENCY_LEVELS = [1, 16, 64] as const;
const RESPONSE_FORMATS = ['b64_ephemeral', 'url'] as const;
type ResponseFormat = (typeof RESPONSE_FORMATS)[number];
/** Distinct prompts cycled through: different pictures, yet a body set small enough to build once. */
const PROMPT_COUNT = 8;
/** test/test's default (`size: auto`) edge, checked on the first response. */
const DEFAULT_EDGE = 1024;
/** The extra row: 16x fewer pixels render ~7x cheaper, so the gateway's own work shows. */
const SMALL_SIZE = { edge: 256, concurrency: 16 } as const;
const WEBP_MAGIC = { riff: 'RIFF', webp: 'WEBP' } as const;

interface Level {
  responseFormat: ResponseFormat;
  concurrency: number;
  /** `undefined` → the model's default (1024x1024). */
  edge: number | undefined;
}

/**
 * `test/test` end to end over HTTP against the built gateway in a child process: auth, parsing,
 * routing, rendering (sharp), the generation record in SQLite and, for `url`, the stored file.
 */
export const gatewayTestModelScenario: Scenario = {
  name: 'gateway',
  title: 'Gateway end to end: `test/test`',
  async run(settings, progress) {
    progress('starting the gateway (node dist/bundle/main.js) …');
    const gateway = await startGatewayProcess();
    try {
      const key = await gateway.createKey('bench');
      const levels: Level[] = [
        ...RESPONSE_FORMATS.flatMap((responseFormat) =>
          (settings.concurrencyLevels ?? CONCURRENCY_LEVELS).map((concurrency) => ({ responseFormat, concurrency, edge: undefined })),
        ),
        { responseFormat: 'b64_ephemeral', concurrency: SMALL_SIZE.concurrency, edge: SMALL_SIZE.edge },
      ];
      const rows: string[][] = [];
      for (const level of levels) {
        progress(`${level.responseFormat} ${sizeLabel(level.edge)} c=${level.concurrency} …`);
        const { result, cpu } = await runLevel(gateway, key, level, settings);
        rows.push(tableRow(level, result, cpu));
        progress(
          `  ${formatRate(result.requestsPerSecond)} req/s, p50 ${formatMs(summarize(result.latenciesMs).p50)} ms, ${result.errors} errors`,
        );
      }
      return [describe(settings), '', markdownTable(COLUMNS, rows)].join('\n');
    } catch (error) {
      const output = gateway.recentOutput();
      throw new Error(`${error instanceof Error ? error.message : String(error)}${output === '' ? '' : `\ngateway output:\n${output}`}`);
    } finally {
      await gateway.stop();
    }
  },
};

const COLUMNS = [
  { title: 'response_format' },
  { title: 'size' },
  { title: 'concurrency', align: 'right' },
  { title: 'requests', align: 'right' },
  { title: 'errors', align: 'right' },
  { title: 'req/s', align: 'right' },
  { title: 'p50 ms', align: 'right' },
  { title: 'p90 ms', align: 'right' },
  { title: 'p99 ms', align: 'right' },
  { title: 'max ms', align: 'right' },
  { title: 'KiB/response', align: 'right' },
  { title: 'gateway CPU ms/req', align: 'right' },
  { title: 'client CPU ms/req', align: 'right' },
  { title: 'other CPU (cores)', align: 'right' },
] as const;

function describe(settings: BenchSettings): string {
  return (
    `POST ${GENERATIONS_PATH} with \`{"prompt":"bench <i>","model":"test/test","response_format":…,"output_format":"webp"}\` ` +
    `(${PROMPT_COUNT} distinct prompts) in a closed loop at each concurrency. Warmup: at least ${settings.warmupMs / 1000} s and ` +
    `${WARMUP_ROUNDS} responses per connection; then a window of ${settings.durationMs / 1000} s or ` +
    `${formatInteger(settings.maxRequests)} responses, whichever comes first. \`requests\`: requests sent inside the window ` +
    '(the latency sample; the load is kept up until they have all finished); `req/s`: responses completed inside the window. ' +
    'The gateway runs in its own process (SQLite, LOG_LEVEL=warn) on the same machine as the load client. CPU columns cover the ' +
    'window exactly, per response completed in it: the gateway process (all threads: event loop, libuv pool, libvips) and the ' +
    'load client; `other CPU (cores)` is what everything else on the machine kept busy meanwhile (other processes, hypervisor ' +
    'steal): well above 0, the row was disturbed.'
  );
}

function tableRow(level: Level, result: LoadResult, cpu: CpuUsage): string[] {
  const latency = summarize(result.latenciesMs);
  return [
    level.responseFormat,
    sizeLabel(level.edge),
    String(level.concurrency),
    formatInteger(latency.count),
    describeErrors(result),
    formatRate(result.requestsPerSecond),
    formatMs(latency.p50),
    formatMs(latency.p90),
    formatMs(latency.p99),
    formatMs(latency.max),
    formatKiB(result.meanBodyBytes),
    formatMs(cpu.gatewayMs / result.completedInWindow),
    formatMs(cpu.clientMs / result.completedInWindow),
    formatFixed(otherCores(cpu), 2),
  ];
}

function sizeLabel(edge: number | undefined): string {
  return edge === undefined ? `${DEFAULT_EDGE}x${DEFAULT_EDGE} (auto)` : `${edge}x${edge}`;
}

/** One load level, with the CPU time spent during exactly its measurement window. */
async function runLevel(
  gateway: GatewayProcess,
  key: string,
  level: Level,
  settings: BenchSettings,
): Promise<{ result: LoadResult; cpu: CpuUsage }> {
  const requests = Array.from({ length: PROMPT_COUNT }, (_, index): LoadRequest => ({
    method: 'POST',
    path: GENERATIONS_PATH,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: Buffer.from(
      JSON.stringify({
        prompt: `bench ${index}`,
        model: 'test/test',
        response_format: level.responseFormat,
        output_format: 'webp',
        ...(level.edge === undefined ? {} : { size: `${level.edge}x${level.edge}` }),
      }),
    ),
  }));
  let windowStart: CpuSnapshot | undefined;
  let cpu: CpuUsage | undefined;
  const result = await runLoad({
    port: gateway.port,
    concurrency: level.concurrency,
    warmupMs: settings.warmupMs,
    durationMs: settings.durationMs,
    maxRequests: settings.maxRequests,
    request: (index) => requests[index % requests.length] ?? unreachable(),
    verifyFirst: (response) => verifyImageResponse(response, level),
    failureOf: heartbeatFailure,
    onWindowStart: () => {
      windowStart = cpuSnapshot(gateway.pid);
    },
    onWindowEnd: () => {
      if (windowStart !== undefined) cpu = cpuUsageBetween(windowStart, cpuSnapshot(gateway.pid));
    },
  });
  if (cpu === undefined) throw new Error('the load client reported no measurement window');
  return { result, cpu };
}

/**
 * A generation slower than the heartbeat delay is answered 200 and its error, if any, comes in the
 * body. Only such responses are parsed, so the hot loop stays free of JSON.
 */
function heartbeatFailure(_status: number, headers: IncomingHttpHeaders, body: () => Buffer): string | undefined {
  if (headers['x-imagerouter-heartbeat'] === undefined) return undefined;
  const parsed: unknown = JSON.parse(body().toString('utf8'));
  return typeof parsed === 'object' && parsed !== null && 'error' in parsed ? 'error after heartbeat' : undefined;
}

/** The first response must hold one WebP of the asked size, inline or at a URL that serves it. */
async function verifyImageResponse(response: LoadResponse, level: Level): Promise<void> {
  const parsed: unknown = JSON.parse(response.body.toString('utf8'));
  const first = isRecord(parsed) && Array.isArray(parsed['data']) ? (parsed['data'] as unknown[])[0] : undefined;
  if (!isRecord(first)) throw new Error(`unexpected response: ${bodySnippet(response.body)}`);
  let image: Buffer;
  if (level.responseFormat === 'b64_ephemeral') {
    if (typeof first['b64_json'] !== 'string') throw new Error(`no b64_json in ${bodySnippet(response.body)}`);
    image = Buffer.from(first['b64_json'], 'base64');
  } else {
    if (typeof first['url'] !== 'string') throw new Error(`no url in ${bodySnippet(response.body)}`);
    const hosted = new URL(first['url']);
    const download = await requestOnce(loopbackPort(hosted.href), { method: 'GET', path: `${hosted.pathname}${hosted.search}` });
    if (download.status !== 200) throw new Error(`GET ${hosted.pathname} answered HTTP ${download.status}`);
    image = download.body;
  }
  if (image.toString('latin1', 0, 4) !== WEBP_MAGIC.riff || image.toString('latin1', 8, 12) !== WEBP_MAGIC.webp) {
    throw new Error('the image is not a WebP');
  }
  const metadata = await sharp(image).metadata();
  const edge = level.edge ?? DEFAULT_EDGE;
  if (metadata.width !== edge || metadata.height !== edge) {
    throw new Error(`expected ${edge}x${edge}, got ${metadata.width}x${metadata.height}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unreachable(): never {
  throw new Error('unreachable');
}
