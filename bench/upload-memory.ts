import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { startGatewayProcess } from './gateway-process.js';
import { startListeningProcess } from './listening-process.js';
import { bodySnippet, requestOnce, type LoadRequest, type LoadResponse } from './load-client.js';
import type { Scenario } from './scenario.js';
import { formatFixed, formatInteger, formatMs, markdownTable, summarize } from './stats.js';

const UPSTREAM_KEY = 'sk-bench-upstream-key-0123456789';
const PATH = '/v1/openai/images/edits';
const MODEL = 'openai/gpt-image-2';
/** The hot-path issue's shape: 10 concurrent edits, each with 16 uploads of ~6 MB. */
const CONCURRENCY = 10;
const IMAGES_PER_REQUEST = 16;
/** Random RGB does not compress: its PNG (zlib level 1, a filter byte per row) is ~5.6% larger than its EDGE² × 3 bytes: ~6.0 MB. */
const EDGE = 1376;
const ROUNDS = 3;
const WARMUP_EDGE = 64;
const SAMPLE_INTERVAL_MS = 10;
/** Lets the warm-up's garbage and sockets settle before the idle reading. */
const SETTLE_MS = 1_000;
const REQUEST_TIMEOUT_MS = 300_000;
/** The issue's goal: (peak − idle) RSS at most this many times the bytes in flight. */
const GOAL_RATIO = 1.5;
const BYTES_PER_MIB = 1024 * 1024;

/**
 * The gateway's resident memory while it holds 10 concurrent edits of 16 × ~6 MB uploads each
 * (gateway process, SQLite, `openai/gpt-image-2` on the fake OpenAI upstream, which drains the
 * multipart body it is sent). VmRSS is sampled every 10 ms from /proc and VmHWM (the kernel's own
 * peak, reset after the warm-up through /proc/<pid>/clear_refs) read at the end. The verdict is
 * (peak − idle) ÷ bytes in flight, where bytes in flight are the 10 request bodies.
 */
export const uploadMemoryScenario: Scenario = {
  name: 'memory',
  title: 'Memory under concurrent uploads',
  async run(_settings, progress) {
    progress(`building ${IMAGES_PER_REQUEST} noisy ${EDGE}x${EDGE} PNGs …`);
    const images = await Promise.all(Array.from({ length: IMAGES_PER_REQUEST }, () => noisyPng(EDGE)));
    const warmupImages = await Promise.all(Array.from({ length: IMAGES_PER_REQUEST }, () => noisyPng(WARMUP_EDGE)));
    const upstream = await startListeningProcess('fake-openai-server.ts');
    const gateway = await startGatewayProcess({
      env: { OPENAI_API_KEY: UPSTREAM_KEY, OPENAI_BASE_URL: `http://127.0.0.1:${upstream.port}/v1` },
    });
    try {
      const pid = gateway.pid;
      if (pid === undefined) throw new Error('the gateway has no pid');
      const key = await gateway.createKey('memory');
      const rssAtStart = statusField(pid, 'VmRSS');

      progress(`warm-up: one edit with ${IMAGES_PER_REQUEST} ${WARMUP_EDGE}x${WARMUP_EDGE} PNGs …`);
      const warmup = await requestOnce(gateway.port, editRequest(key, warmupImages), REQUEST_TIMEOUT_MS);
      await verifyFirst(warmup);
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const idle = statusField(pid, 'VmRSS');
      // Only the measured rounds count towards VmHWM from here ("5" resets the peak RSS, Linux ≥ 4.0).
      writeFileSync(`/proc/${pid}/clear_refs`, '5');

      const request = editRequest(key, images);
      const bodyBytes = request.body?.length ?? 0;
      const inFlight = bodyBytes * CONCURRENCY;
      const samples: number[] = [];
      const sampler = setInterval(() => samples.push(statusField(pid, 'VmRSS')), SAMPLE_INTERVAL_MS);
      const latencies: number[] = [];
      const failures: string[] = [];
      const roundPeaks: number[] = [];
      try {
        for (let round = 1; round <= ROUNDS; round += 1) {
          progress(`round ${round}/${ROUNDS}: ${CONCURRENCY} concurrent edits of ${formatMs(bodyBytes / BYTES_PER_MIB)} MiB …`);
          const before = samples.length;
          const responses = await Promise.all(
            Array.from({ length: CONCURRENCY }, async () => {
              const startedAt = performance.now();
              const response = await requestOnce(gateway.port, request, REQUEST_TIMEOUT_MS).catch((error: unknown) => error);
              latencies.push(performance.now() - startedAt);
              return response;
            }),
          );
          if (round === 1 && !(responses[0] instanceof Error)) await verifyFirst(responses[0] as LoadResponse);
          for (const response of responses) {
            const failure = response instanceof Error ? response.message : failureOf(response as LoadResponse);
            if (failure !== undefined) failures.push(failure);
          }
          const roundPeak = Math.max(...samples.slice(before));
          roundPeaks.push(roundPeak);
          progress(`  peak RSS sampled ${formatFixed(roundPeak / BYTES_PER_MIB, 1)} MiB, ${failures.length} errors so far`);
        }
      } finally {
        clearInterval(sampler);
      }
      const sampledPeak = Math.max(...samples);
      const hwm = statusField(pid, 'VmHWM');
      const peak = Math.max(sampledPeak, hwm);
      const ratio = (peak - idle) / inFlight;
      const latency = summarize(latencies);
      const mib = (bytes: number) => formatFixed(bytes / BYTES_PER_MIB, 1);
      const rows = [
        ['upload per request (multipart body)', `${formatInteger(bodyBytes)} B (${IMAGES_PER_REQUEST} PNGs of ${describeSizes(images)})`],
        ['bytes in flight (10 × body)', `${formatInteger(inFlight)} B (${mib(inFlight)} MiB)`],
        [
          'requests / errors',
          `${CONCURRENCY * ROUNDS} / ${failures.length === 0 ? '0' : `${failures.length} (${[...new Set(failures)].join('; ')})`}`,
        ],
        ['latency p50 / max ms', `${formatMs(latency.p50)} / ${formatMs(latency.max)}`],
        ['RSS at start / idle after warm-up (MiB)', `${mib(rssAtStart)} / ${mib(idle)}`],
        ['peak RSS per round, sampled (MiB)', roundPeaks.map(mib).join(' / ')],
        ['peak RSS: sampled / VmHWM (MiB)', `${mib(sampledPeak)} (${formatInteger(samples.length)} samples) / ${mib(hwm)}`],
        ['peak − idle (MiB)', mib(peak - idle)],
        [`(peak − idle) ÷ bytes in flight (goal ≤ ${GOAL_RATIO})`, formatFixed(ratio, 2)],
      ];
      if (failures.length > 0) progress(`gateway output:\n${gateway.recentOutput()}`);
      return [
        `One gateway process (SQLite) receives ${ROUNDS} rounds of ${CONCURRENCY} concurrent \`POST ${PATH}\` (multipart: \`model=${MODEL}\`, ` +
          `a prompt, \`response_format=b64_ephemeral\` and ${IMAGES_PER_REQUEST} distinct noisy PNG \`image[]\` parts of ~6 MB, built once), ` +
          'which it decodes, checks and sends on as multipart to the fake OpenAI upstream (`bench/fake-openai-server.ts`, which drains the ' +
          `body and answers one 1024x1024 PNG). Before the rounds, one warm-up edit with ${IMAGES_PER_REQUEST} ${WARMUP_EDGE}x${WARMUP_EDGE} PNGs and ` +
          `${SETTLE_MS / 1000} s of rest; its VmRSS is \`idle\`, and VmHWM is reset there. VmRSS is sampled every ${SAMPLE_INTERVAL_MS} ms; \`peak\` is ` +
          "the larger of the highest sample and VmHWM (the kernel's own peak) at the end. Bytes in flight: the 10 request bodies. " +
          'Ratio: (peak − idle) ÷ bytes in flight.',
        '',
        markdownTable([{ title: 'measure' }, { title: 'value', align: 'right' }], rows),
      ].join('\n');
    } catch (error) {
      const output = gateway.recentOutput();
      throw new Error(`${error instanceof Error ? error.message : String(error)}${output === '' ? '' : `\ngateway output:\n${output}`}`);
    } finally {
      await gateway.stop();
      upstream.stop();
    }
  },
};

/** Random RGB pixels: every image distinct and incompressible, so its PNG is as large as its pixels. */
function noisyPng(edge: number): Promise<Buffer> {
  return sharp(randomBytes(edge * edge * 3), { raw: { width: edge, height: edge, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toBuffer();
}

function describeSizes(images: readonly Buffer[]): string {
  const sizes = images.map((image) => image.length);
  return `${formatInteger(Math.min(...sizes))}–${formatInteger(Math.max(...sizes))} B`;
}

/** One multipart body, as the openai SDK sends an edit, built once and sent by every request. */
function editRequest(key: string, images: readonly Buffer[]): LoadRequest {
  const boundary = `----imagerouter-bench-${randomBytes(8).toString('hex')}`;
  const text = (name: string, value: string) =>
    Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  const parts = [
    text('model', MODEL),
    text('prompt', 'put them all in one collage'),
    text('response_format', 'b64_ephemeral'),
    text('output_format', 'png'),
    ...images.flatMap((image, index) => [
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="image[]"; filename="image-${index + 1}.png"\r\ncontent-type: image/png\r\n\r\n`,
      ),
      image,
      Buffer.from('\r\n'),
    ]),
    Buffer.from(`--${boundary}--\r\n`),
  ];
  return {
    method: 'POST',
    path: PATH,
    headers: { authorization: `Bearer ${key}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
    body: Buffer.concat(parts),
  };
}

/** The first response must hold one PNG inline. */
async function verifyFirst(response: LoadResponse): Promise<void> {
  const failure = failureOf(response);
  if (failure !== undefined) throw new Error(`the first edit failed: ${failure}`);
  const parsed = JSON.parse(response.body.toString('utf8')) as { data: Array<{ b64_json: string }> };
  const metadata = await sharp(Buffer.from(parsed.data[0]!.b64_json, 'base64')).metadata();
  if (metadata.format !== 'png') throw new Error(`expected a PNG, got ${metadata.format}`);
}

/** Every response must be 200 with exactly one inline image (a heartbeat response carries its error in the body). */
function failureOf(response: LoadResponse): string | undefined {
  if (response.status !== 200) return `HTTP ${response.status}: ${bodySnippet(response.body)}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body.toString('utf8'));
  } catch {
    return `not JSON: ${bodySnippet(response.body)}`;
  }
  const data = typeof parsed === 'object' && parsed !== null && 'data' in parsed ? parsed.data : undefined;
  if (!Array.isArray(data) || data.length !== 1 || typeof (data[0] as { b64_json?: unknown }).b64_json !== 'string') {
    return `not one inline image: ${bodySnippet(response.body)}`;
  }
  return undefined;
}

/** A `kB` line of /proc/<pid>/status, in bytes. */
function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}
