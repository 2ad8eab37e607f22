import sharp from 'sharp';
import { cpuSnapshot, cpuUsageBetween, otherCores, type CpuSnapshot } from './cpu-time.js';
import { startGatewayProcess } from './gateway-process.js';
import { createPhaseRecorder, medianPhases, type PhaseRecorder, type RequestPhases } from './gateway-phases.js';
import { startListeningProcess } from './listening-process.js';
import {
  bodySnippet,
  describeErrors,
  loopbackPort,
  requestOnce,
  runLoad,
  type LoadRequest,
  type LoadResponse,
  type LoadResult,
} from './load-client.js';
import { startPortkeyGateway } from './portkey-gateway.js';
import { PREWARM_CONCURRENCY, type BenchSettings, type Scenario } from './scenario.js';
import { formatFixed, formatMs, formatRate, markdownTable, summarize } from './stats.js';

const UPSTREAM_PATH = '/v1/images/generations';
const GATEWAY_PATH = '/v1/openai/images/generations';
const CONCURRENCY_LEVELS = [1, 16, 64] as const;
/** Windows per path and load level, alternated between the paths (see the loop). */
const ROUNDS = 3;
/** At ~15 req/s, Portkey's warmup alone (2 responses per connection) would take ~9 s at c=64. */
const PORTKEY_MAX_CONCURRENCY = 16;
const MODEL = 'openai/gpt-image-2';
const UPSTREAM_KEY = 'sk-bench-upstream-key-0123456789';
/** The goals, checked in the summary: ratios within one run, so a busy machine moves both sides. */
const GOALS = { sameFormatVsProxy: 0.7, sameFormatVsPortkey: 20, addedP50AtC1Ms: 2, urlVsProxy: 0.5 } as const;

interface Variant {
  key: 'same' | 'webp' | 'url';
  label: string;
  responseFormat: 'b64_ephemeral' | 'url';
  outputFormat: 'png' | 'webp';
}

/** Same format (pass-through), conversion to WebP, and a hosted URL. */
const VARIANTS: readonly Variant[] = [
  { key: 'same', label: 'b64_ephemeral, png (same format)', responseFormat: 'b64_ephemeral', outputFormat: 'png' },
  { key: 'webp', label: 'b64_ephemeral, webp (converted)', responseFormat: 'b64_ephemeral', outputFormat: 'webp' },
  { key: 'url', label: 'url, png (stored)', responseFormat: 'url', outputFormat: 'png' },
];

/** One thing the load client calls: the upstream itself, a proxy or gateway in front of it. */
interface Target {
  label: string;
  port: number;
  pid: number | undefined;
  request: LoadRequest;
  maxConcurrency: number;
  verify(response: LoadResponse): Promise<void>;
}

interface Measured {
  result: LoadResult;
  otherCores: number;
  /** CPU time (user + system, all threads) the measured process spent per completed response in the window. */
  cpuMsPerRequest: number;
  /** Minor page faults of the measured process per completed response in the window (fresh memory it touched). */
  faultsPerRequest: number;
}

/**
 * What the gateway adds on top of an upstream that answers at once with a 1024x1024 PNG in
 * base64 (~1.9 MB of JSON, as gpt-image does), beside two yardsticks on the same fake in the same
 * run: a plain buffered pass-through proxy (the least a Node proxy can do) and Portkey's
 * open-source gateway from npm. At each concurrency every path is measured in alternating rounds,
 * so the ratios compare windows interleaved in time rather than minutes apart.
 */
export const gatewayOverheadScenario: Scenario = {
  name: 'overhead',
  title: 'Gateway overhead against a fake OpenAI upstream',
  async run(settings, progress) {
    progress('starting the fake OpenAI upstream and the pass-through proxy …');
    const upstream = await startListeningProcess('fake-openai-server.ts');
    const [pngBytes = 0, bodyBytes = 0] = upstream.details;
    const stops: Array<() => unknown> = [() => upstream.stop()];
    try {
      const proxy = await startListeningProcess('pass-through-proxy.ts', [String(upstream.port)]);
      stops.push(() => proxy.stop());
      progress('starting Portkey …');
      const portkey = await startPortkeyGateway(progress);
      if (portkey.ok) stops.push(() => portkey.gateway.stop());
      else progress(`Portkey skipped: ${portkey.reason}`);
      const phases = createPhaseRecorder();
      stops.push(() => phases.dispose());
      const gateway = await startGatewayProcess({
        env: { OPENAI_API_KEY: UPSTREAM_KEY, OPENAI_BASE_URL: `http://127.0.0.1:${upstream.port}/v1`, ...phases.env },
        nodeArgs: phases.nodeArgs,
        ...(settings.cpuProfileDir === undefined ? {} : { cpuProfileDir: settings.cpuProfileDir }),
      });
      stops.push(() => gateway.stop());
      const key = await gateway.createKey('bench');

      const targets: Target[] = [
        {
          label: 'direct to the upstream',
          port: upstream.port,
          pid: upstream.pid,
          request: upstreamRequest({}),
          maxConcurrency: Infinity,
          verify: verifyPng,
        },
        {
          label: 'pass-through proxy',
          port: proxy.port,
          pid: proxy.pid,
          request: upstreamRequest({}),
          maxConcurrency: Infinity,
          verify: verifyPng,
        },
        ...(portkey.ok
          ? [
              {
                label: `Portkey gateway ${portkey.gateway.version}`,
                port: portkey.gateway.port,
                pid: portkey.gateway.pid,
                request: upstreamRequest(portkey.gateway.headersFor(`http://127.0.0.1:${upstream.port}/v1`)),
                maxConcurrency: PORTKEY_MAX_CONCURRENCY,
                verify: verifyPng,
              },
            ]
          : []),
        ...VARIANTS.map((variant) => ({
          label: `gateway: ${variant.label}`,
          port: gateway.port,
          pid: gateway.pid,
          request: gatewayRequest(key, variant),
          maxConcurrency: Infinity,
          verify: (response: LoadResponse) => verify(response, variant.outputFormat),
        })),
      ];

      const levels = settings.concurrencyLevels ?? CONCURRENCY_LEVELS;
      const sameFormatLabel = `gateway: ${VARIANTS[0]!.label}`;
      const phaseRows: RequestPhases[] = [];
      const measured = new Map<string, Measured>();
      const prewarmed = new Set<string>();
      // Each load level is measured in rounds, every path once per round (in turn, the order
      // reversed every other round), and each path's windows combined: this VM's speed drifts over
      // tens of seconds, so paths measured one after the other minutes apart compared that drift.
      const windowSettings = {
        ...settings,
        durationMs: Math.round(settings.durationMs / ROUNDS),
        maxRequests: Math.ceil(settings.maxRequests / ROUNDS),
      };
      for (const concurrency of levels) {
        const eligible = targets.filter((target) => concurrency <= target.maxConcurrency);
        const windows = new Map<string, Measured[]>(eligible.map((target) => [target.label, []]));
        for (let round = 0; round < ROUNDS; round++) {
          for (const target of round % 2 === 0 ? eligible : [...eligible].reverse()) {
            if (settings.prewarmMs > 0 && !prewarmed.has(target.label)) {
              prewarmed.add(target.label);
              progress(`${target.label}: prewarming for ${settings.prewarmMs / 1000} s at c=${PREWARM_CONCURRENCY} …`);
              await prewarm(target, settings);
            }
            progress(`${target.label} c=${concurrency}, round ${round + 1}/${ROUNDS} …`);
            // Inside the gateway, one request at a time: the preload tells requests apart only so.
            const recordPhases = concurrency === 1 && target.label === sameFormatLabel && gateway.pid !== undefined;
            const window = await measure(
              target,
              concurrency,
              windowSettings,
              recordPhases ? { recorder: phases, pid: gateway.pid!, rows: phaseRows } : undefined,
            );
            windows.get(target.label)!.push(window);
            progress(
              `  ${formatRate(window.result.requestsPerSecond)} req/s, p50 ${formatMs(summarize(window.result.latenciesMs).p50)} ms, errors ${describeErrors(window.result)}`,
            );
          }
        }
        for (const [label, parts] of windows) measured.set(`${label}@${concurrency}`, combineWindows(parts));
      }
      const at = (label: string, concurrency: number) => measured.get(`${label}@${concurrency}`);
      const portkeyLabel = portkey.ok ? targets[2]!.label : undefined;
      const rows = targets.flatMap((target) =>
        levels.flatMap((concurrency) => {
          const own = at(target.label, concurrency);
          if (!own) return [];
          return [
            row(
              target.label,
              concurrency,
              own,
              at(targets[0]!.label, concurrency),
              at('pass-through proxy', concurrency),
              portkeyLabel && at(portkeyLabel, concurrency),
            ),
          ];
        }),
      );
      const ratio = (variant: Variant, concurrency: number, against: string | undefined) => {
        const own = at(`gateway: ${variant.label}`, concurrency);
        const other = against === undefined ? undefined : at(against, concurrency);
        return own && other ? own.result.requestsPerSecond / other.result.requestsPerSecond : Number.NaN;
      };
      const same = VARIANTS[0]!;
      const url = VARIANTS[2]!;
      const addedAtC1 = (() => {
        const own = at(`gateway: ${same.label}`, 1);
        const direct = at(targets[0]!.label, 1);
        return own && direct ? summarize(own.result.latenciesMs).p50 - summarize(direct.result.latenciesMs).p50 : Number.NaN;
      })();
      const goals = [
        [
          '`b64_ephemeral` same format ÷ pass-through proxy, c=16',
          `≥ ${GOALS.sameFormatVsProxy}`,
          formatFixed(ratio(same, 16, 'pass-through proxy'), 2),
        ],
        [
          '`b64_ephemeral` same format ÷ Portkey, c=16',
          `≥ ${GOALS.sameFormatVsPortkey}`,
          portkey.ok ? formatFixed(ratio(same, 16, portkeyLabel), 1) : 'not run',
        ],
        ['`b64_ephemeral` same format, added p50 at c=1 (ms)', `≤ ${GOALS.addedP50AtC1Ms}`, formatMs(addedAtC1)],
        ['`url` ÷ pass-through proxy, c=16', `≥ ${GOALS.urlVsProxy}`, formatFixed(ratio(url, 16, 'pass-through proxy'), 2)],
      ];
      return [
        `The fake upstream (\`bench/fake-openai-server.ts\`, its own process) answers every POST at once with the same ${formatMs(bodyBytes / 1_048_576)} MiB ` +
          `JSON body (a ${formatMs(pngBytes / 1_048_576)} MiB 1024x1024 PNG in \`b64_json\`). \`direct\`: the load client calls it. ` +
          '`pass-through proxy` (`bench/pass-through-proxy.ts`, its own process): plain `node:http` that buffers the request, forwards it, ' +
          'buffers the whole answer and writes it back, with no parsing. ' +
          (portkey.ok
            ? `\`Portkey gateway\`: \`@portkey-ai/gateway\` ${portkey.gateway.version} from npm (\`bench/package.json\`), started with \`--headless\`, ` +
              'called with `x-portkey-provider: openai` and `x-portkey-custom-host` naming the fake (up to c=16: at its rate, c=64 would take minutes). '
            : `\`Portkey gateway\`: not run, because ${portkey.reason}. `) +
          `\`gateway\`: this gateway (its own process, SQLite) for \`${MODEL}\`, which calls the fake. Each path is first prewarmed, unmeasured ` +
          `(${settings.prewarmMs / 1000} s at c=${PREWARM_CONCURRENCY}, \`--prewarm\`), so every process is measured warm; then, at each concurrency, every path is measured in ${ROUNDS} rounds ` +
          '(one window each per round, in turn, the order reversed every other round; a row combines its windows: all responses over all window time, every latency). `added p50`: p50 minus the direct p50 at the same concurrency; `÷ proxy`, `÷ Portkey`: req/s over theirs at the same concurrency; ' +
          '`CPU ms / request`: CPU time (user + system, every thread) of the process the row measures (the upstream, the proxy, Portkey or the gateway) per response completed in the window; ' +
          '`page faults / request`: minor page faults of that process per response (each a page of fresh memory it touched, 4 KiB on x64: a process that allocates and frees big buffers per request pays them, and on this VM their cost moves with the host; docs/performance.md); ' +
          '`other CPU`: cores the rest of the machine kept busy during the window (well above 0: that row was disturbed).',
        '',
        markdownTable(COLUMNS, rows),
        '',
        'Goals (from the hot-path issue), this run:',
        '',
        markdownTable([{ title: 'measure' }, { title: 'goal', align: 'right' }, { title: 'measured', align: 'right' }], goals),
        ...phasesReport(phaseRows, at(targets[0]!.label, 1)),
      ].join('\n');
    } finally {
      for (const stop of stops.reverse()) await stop();
    }
  },
};

const COLUMNS = [
  { title: 'path' },
  { title: 'concurrency', align: 'right' },
  { title: 'errors', align: 'right' },
  { title: 'req/s', align: 'right' },
  { title: 'p50 ms', align: 'right' },
  { title: 'p99 ms', align: 'right' },
  { title: 'added p50 ms', align: 'right' },
  { title: '÷ proxy', align: 'right' },
  { title: '÷ Portkey', align: 'right' },
  { title: 'CPU ms / request', align: 'right' },
  { title: 'page faults / request', align: 'right' },
  { title: 'other CPU (cores)', align: 'right' },
] as const;

function row(
  label: string,
  concurrency: number,
  own: Measured,
  direct: Measured | undefined,
  proxy: Measured | undefined,
  portkey: Measured | undefined | '',
): string[] {
  const latency = summarize(own.result.latenciesMs);
  const rate = own.result.requestsPerSecond;
  return [
    label,
    String(concurrency),
    describeErrors(own.result),
    formatRate(rate),
    formatMs(latency.p50),
    formatMs(latency.p99),
    direct && direct !== own ? formatMs(latency.p50 - summarize(direct.result.latenciesMs).p50) : '–',
    proxy ? formatFixed(rate / proxy.result.requestsPerSecond, 2) : '–',
    portkey ? formatFixed(rate / portkey.result.requestsPerSecond, 1) : '–',
    formatFixed(own.cpuMsPerRequest, 2),
    formatFixed(own.faultsPerRequest, 1),
    formatFixed(own.otherCores, 2),
  ];
}

/**
 * One path's windows at one level as one measurement: the responses and the time of every window
 * together (req/s = all responses ÷ all window time), every latency, and CPU per response over all.
 */
function combineWindows(parts: readonly Measured[]): Measured {
  const completed = parts.reduce((sum, part) => sum + part.result.completedInWindow, 0);
  const windowMs = parts.reduce((sum, part) => sum + part.result.windowMs, 0);
  const okResponses = parts.reduce((sum, part) => sum + part.result.latenciesMs.length - part.result.errors, 0);
  const errorKinds: Record<string, number> = {};
  for (const part of parts)
    for (const [kind, count] of Object.entries(part.result.errorKinds)) errorKinds[kind] = (errorKinds[kind] ?? 0) + count;
  const result: LoadResult = {
    concurrency: parts[0]!.result.concurrency,
    latenciesMs: parts.flatMap((part) => part.result.latenciesMs),
    completedInWindow: completed,
    windowMs,
    warmupMs: parts.reduce((sum, part) => sum + part.result.warmupMs, 0),
    requestsPerSecond: windowMs > 0 ? (completed * 1000) / windowMs : Number.NaN,
    errors: parts.reduce((sum, part) => sum + part.result.errors, 0),
    errorKinds,
    meanBodyBytes:
      okResponses > 0
        ? parts.reduce((sum, part) => sum + part.result.meanBodyBytes * (part.result.latenciesMs.length - part.result.errors), 0) /
          okResponses
        : Number.NaN,
  };
  return {
    result,
    otherCores: parts.reduce((sum, part) => sum + part.otherCores * part.result.windowMs, 0) / windowMs,
    cpuMsPerRequest: parts.reduce((sum, part) => sum + part.cpuMsPerRequest * part.result.completedInWindow, 0) / completed,
    faultsPerRequest: parts.reduce((sum, part) => sum + part.faultsPerRequest * part.result.completedInWindow, 0) / completed,
  };
}

/** Unmeasured load: its numbers are dropped, only the processes' warm state is kept. */
async function prewarm(target: Target, settings: BenchSettings): Promise<void> {
  await runLoad({
    port: target.port,
    concurrency: PREWARM_CONCURRENCY,
    warmupMs: 0,
    durationMs: settings.prewarmMs,
    maxRequests: Number.MAX_SAFE_INTEGER,
    request: () => target.request,
  });
}

/** Where the phases of a window's requests are recorded, and the list they are added to. */
interface PhaseRecording {
  recorder: PhaseRecorder;
  pid: number;
  rows: RequestPhases[];
}

async function measure(target: Target, concurrency: number, settings: BenchSettings, phases?: PhaseRecording): Promise<Measured> {
  let before: CpuSnapshot | undefined;
  let after: CpuSnapshot | undefined;
  const result = await runLoad({
    port: target.port,
    concurrency,
    warmupMs: settings.warmupMs,
    durationMs: settings.durationMs,
    maxRequests: settings.maxRequests,
    request: () => target.request,
    verifyFirst: (response) => target.verify(response),
    onWindowStart: () => {
      before = cpuSnapshot(target.pid);
      phases?.recorder.start(phases.pid);
    },
    onWindowEnd: () => {
      after = cpuSnapshot(target.pid);
    },
  });
  // After the window's last measured response, so every request recorded also finished.
  if (phases) phases.rows.push(...(await phases.recorder.stop(phases.pid)));
  const usage = before && after ? cpuUsageBetween(before, after) : undefined;
  const completed = result.completedInWindow;
  return {
    result,
    otherCores: usage ? otherCores(usage) : Number.NaN,
    cpuMsPerRequest: usage && completed > 0 ? usage.gatewayMs / completed : Number.NaN,
    faultsPerRequest: usage && completed > 0 ? usage.gatewayMinorFaults / completed : Number.NaN,
  };
}

function upstreamRequest(extraHeaders: Readonly<Record<string, string>>): LoadRequest {
  return {
    method: 'POST',
    path: UPSTREAM_PATH,
    headers: { authorization: `Bearer ${UPSTREAM_KEY}`, 'content-type': 'application/json', ...extraHeaders },
    body: Buffer.from(JSON.stringify({ model: 'gpt-image-2', prompt: 'bench', size: '1024x1024', output_format: 'png' })),
  };
}

function gatewayRequest(key: string, variant: Variant): LoadRequest {
  return {
    method: 'POST',
    path: GATEWAY_PATH,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: Buffer.from(
      JSON.stringify({
        model: MODEL,
        prompt: 'bench',
        size: '1024x1024',
        response_format: variant.responseFormat,
        output_format: variant.outputFormat,
      }),
    ),
  };
}

function verifyPng(response: LoadResponse): Promise<void> {
  return verify(response, 'png');
}

/** The first response must carry one real 1024x1024 image in the asked format. */
async function verify(response: LoadResponse, format: 'png' | 'webp'): Promise<void> {
  const parsed = JSON.parse(response.body.toString('utf8')) as { data?: Array<{ b64_json?: string; url?: string }> };
  const first = parsed.data?.[0];
  let image: Buffer;
  if (first?.b64_json) image = Buffer.from(first.b64_json, 'base64');
  else if (first?.url) {
    const hosted = new URL(first.url);
    image = (await requestOnce(loopbackPort(hosted.href), { method: 'GET', path: hosted.pathname })).body;
  } else throw new Error(`unexpected response: ${bodySnippet(response.body)}`);
  const metadata = await sharp(image).metadata();
  if (metadata.format !== format || metadata.width !== 1024)
    throw new Error(`expected a 1024-wide ${format}, got ${metadata.format} ${metadata.width}`);
}

/**
 * The same-format path's requests at c=1 seen from inside the gateway (bench/gateway-phases-preload.js):
 * what the gateway spends before and after the provider's call, beside the call itself.
 */
function phasesReport(rows: readonly RequestPhases[], direct: Measured | undefined): string[] {
  if (rows.length === 0) return [];
  const median = medianPhases(rows);
  const directP50 = direct ? summarize(direct.result.latenciesMs).p50 : Number.NaN;
  return [
    '',
    `Inside the gateway, same format at c=1 (medians over ${rows.length} requests, from the diagnostics channels of node:http and the gateway's upstream client; ` +
      'each phase its own median):',
    '',
    markdownTable(
      [{ title: 'phase' }, { title: 'ms', align: 'right' }],
      [
        ['arrival → provider request sent (parse, auth, admission, hold, provider request)', formatMs(median.beforeCall)],
        [`provider request sent → whole answer read (direct p50, the client's whole call: ${formatMs(directP50)})`, formatMs(median.call)],
        ['answer read → response handed to the kernel (image found, response written, charge committed)', formatMs(median.afterAnswer)],
        ['arrival → response handed to the kernel', formatMs(median.total)],
      ],
    ),
  ];
}
