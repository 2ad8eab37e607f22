import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { startGatewayProcess } from './gateway-process.js';
import { bodySnippet, loopbackPort, requestOnce, runLoad, type LoadRequest, type LoadResponse, type LoadResult } from './load-client.js';
import type { BenchSettings, Scenario } from './scenario.js';
import { formatMs, formatRate, markdownTable, summarize } from './stats.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const UPSTREAM_PATH = '/v1/images/generations';
const GATEWAY_PATH = '/v1/openai/images/generations';
const CONCURRENCY_LEVELS = [1, 16, 64] as const;
const MODEL = 'openai/gpt-image-1.5';
const UPSTREAM_KEY = 'sk-bench-upstream-key-0123456789';

interface Variant {
  label: string;
  responseFormat: 'b64_ephemeral' | 'url';
  outputFormat: 'png' | 'webp';
}

/** Same format (pass-through), conversion to WebP, and a hosted URL. */
const VARIANTS: readonly Variant[] = [
  { label: 'b64_ephemeral, png (same format)', responseFormat: 'b64_ephemeral', outputFormat: 'png' },
  { label: 'b64_ephemeral, webp (converted)', responseFormat: 'b64_ephemeral', outputFormat: 'webp' },
  { label: 'url, png (stored)', responseFormat: 'url', outputFormat: 'png' },
];

/**
 * What the gateway adds on top of an upstream that answers at once with a 1024x1024 PNG in
 * base64 (~1.9 MB of JSON, as gpt-image does): the same load straight at the fake upstream, then
 * through the gateway, at each concurrency.
 */
export const gatewayOverheadScenario: Scenario = {
  name: 'overhead',
  title: 'Gateway overhead against a fake OpenAI upstream',
  async run(settings, progress) {
    progress('starting the fake OpenAI upstream …');
    const upstream = await startFakeUpstream();
    const gateway = await startGatewayProcess({
      env: { OPENAI_API_KEY: UPSTREAM_KEY, OPENAI_BASE_URL: `http://127.0.0.1:${upstream.port}/v1` },
    });
    try {
      const key = await gateway.createKey('bench');
      const rows: string[][] = [];
      const direct = new Map<number, LoadResult>();
      for (const concurrency of CONCURRENCY_LEVELS) {
        progress(`direct c=${concurrency} …`);
        const result = await load(upstream.port, concurrency, settings, upstreamRequest());
        direct.set(concurrency, result);
        rows.push(row('direct to the upstream', concurrency, result, undefined));
      }
      for (const variant of VARIANTS) {
        for (const concurrency of CONCURRENCY_LEVELS) {
          progress(`gateway ${variant.label} c=${concurrency} …`);
          const result = await load(gateway.port, concurrency, settings, gatewayRequest(key, variant), (response) =>
            verify(response, variant),
          );
          rows.push(row(`gateway: ${variant.label}`, concurrency, result, direct.get(concurrency)));
          progress(`  ${formatRate(result.requestsPerSecond)} req/s, p50 ${formatMs(summarize(result.latenciesMs).p50)} ms`);
        }
      }
      return [
        `The fake upstream (\`bench/fake-openai-server.ts\`, its own process) answers every POST at once with the same ${formatMs(upstream.bodyBytes / 1_048_576)} MiB ` +
          `JSON body (a ${formatMs(upstream.pngBytes / 1_048_576)} MiB 1024x1024 PNG in \`b64_json\`). \`direct\`: the load client calls it; \`gateway\`: ` +
          `the load client calls the gateway (its own process, SQLite) for \`${MODEL}\`, which calls the fake. \`added p50\`: gateway p50 minus direct p50 at the same concurrency.`,
        '',
        markdownTable(COLUMNS, rows),
      ].join('\n');
    } finally {
      await gateway.stop();
      upstream.stop();
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
] as const;

function row(label: string, concurrency: number, result: LoadResult, direct: LoadResult | undefined): string[] {
  const latency = summarize(result.latenciesMs);
  return [
    label,
    String(concurrency),
    String(result.errors),
    formatRate(result.requestsPerSecond),
    formatMs(latency.p50),
    formatMs(latency.p99),
    direct ? formatMs(latency.p50 - summarize(direct.latenciesMs).p50) : '–',
  ];
}

function load(
  port: number,
  concurrency: number,
  settings: BenchSettings,
  request: LoadRequest,
  verifyFirst?: (response: LoadResponse) => Promise<void>,
) {
  return runLoad({
    port,
    concurrency,
    warmupMs: settings.warmupMs,
    durationMs: settings.durationMs,
    maxRequests: settings.maxRequests,
    request: () => request,
    ...(verifyFirst ? { verifyFirst } : {}),
  });
}

function upstreamRequest(): LoadRequest {
  return {
    method: 'POST',
    path: UPSTREAM_PATH,
    headers: { authorization: `Bearer ${UPSTREAM_KEY}`, 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify({ model: 'gpt-image-1.5', prompt: 'bench', size: '1024x1024', output_format: 'png' })),
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

/** The first response must carry one real 1024x1024 image in the asked format. */
async function verify(response: LoadResponse, variant: Variant): Promise<void> {
  const parsed = JSON.parse(response.body.toString('utf8')) as { data?: Array<{ b64_json?: string; url?: string }> };
  const first = parsed.data?.[0];
  let image: Buffer;
  if (first?.b64_json) image = Buffer.from(first.b64_json, 'base64');
  else if (first?.url) {
    const hosted = new URL(first.url);
    image = (await requestOnce(loopbackPort(hosted.href), { method: 'GET', path: hosted.pathname })).body;
  } else throw new Error(`unexpected response: ${bodySnippet(response.body)}`);
  const metadata = await sharp(image).metadata();
  if (metadata.format !== variant.outputFormat || metadata.width !== 1024)
    throw new Error(`expected a 1024-wide ${variant.outputFormat}, got ${metadata.format} ${metadata.width}`);
}

async function startFakeUpstream(): Promise<{ port: number; pngBytes: number; bodyBytes: number; stop: () => void }> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'fake-openai-server.ts')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.on('exit', () => child.kill('SIGKILL'));
  const line = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('\n')) resolve(output.trim());
    });
    child.once('exit', (code) => reject(new Error(`the fake upstream exited with ${code}`)));
  });
  const [, port, pngBytes, bodyBytes] = line.split(' ').map(Number);
  return { port: port ?? 0, pngBytes: pngBytes ?? 0, bodyBytes: bodyBytes ?? 0, stop: () => child.kill('SIGTERM') };
}
