import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import sharp from 'sharp';

/**
 * Behaviours every fake upstream can be scripted into, for the one contract suite. A fake answers
 * each in its provider's real wire format (status codes, error bodies, async job states).
 */
export const FAKE_SCENARIOS = [
  'success',
  'rate_limited',
  'bad_request',
  'content_policy',
  'server_error',
  'unauthorized',
  'slow',
  'malformed',
  'truncated',
  'stalled',
  'job_failed',
  'result_gone',
] as const;
export type FakeScenario = (typeof FAKE_SCENARIOS)[number];

/** One request the fake received. `kind: 'cdn'` marks downloads of result files (must carry no credentials). */
export interface RecordedCall {
  kind: 'api' | 'cdn';
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Resolves once the connection the call came on has closed (the client hung up, or the fake closed). */
  connectionClosed: Promise<void>;
  /** Whether the fake has sent the call's status line yet. */
  readonly answerStarted: boolean;
  /** Whether the fake has sent the call's whole answer. */
  readonly answerEnded: boolean;
}

export interface FakeUpstream {
  /** What the adapter's base URL must be set to (e.g. `http://127.0.0.1:4567/v1`). */
  readonly baseUrl: string;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Every request received, in order. */
  readonly calls: RecordedCall[];
  /** Scenarios this fake can produce (async ones only for async providers, ...). */
  readonly supports: ReadonlySet<FakeScenario>;
  /** Scripts the next generation requests, first in first out; unscripted requests succeed. */
  enqueue(...scenarios: FakeScenario[]): void;
  /** How long `slow` waits before answering (ms). */
  slowMs: number;
  close(): Promise<void>;
}

export interface FakeContext {
  readonly origin: string;
  /** Takes the next scripted scenario (call once per generation request / job submission). */
  nextScenario(): FakeScenario;
  /** Serves `bytes` at a CDN path on this server and returns its absolute URL. */
  hostFile(bytes: Buffer, extension: string, contentType: string): string;
  /** Forgets a hosted file (for `result_gone`). */
  dropFile(url: string): void;
  readonly slowMs: number;
}

export type FakeHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  call: RecordedCall,
  context: FakeContext,
) => Promise<void> | void;

/** Starts a recording HTTP server on 127.0.0.1 with the shared scenario queue and a small file host. */
export async function startFakeUpstream(options: {
  basePath: string;
  supports: ReadonlyArray<FakeScenario>;
  handler: FakeHandler;
}): Promise<FakeUpstream> {
  const calls: RecordedCall[] = [];
  const queue: FakeScenario[] = [];
  const files = new Map<string, { bytes: Buffer; contentType: string }>();
  let fileCounter = 0;
  const state = { slowMs: 10_000 };
  let origin = '';
  // Every open connection, with a promise of its close made once as it opens: a close listener per
  // request would pile up on a keep-alive connection (Node warns past ten).
  const connections = new Map<Socket, Promise<void>>();

  const context: FakeContext = {
    get origin() {
      return origin;
    },
    get slowMs() {
      return state.slowMs;
    },
    nextScenario: () => queue.shift() ?? 'success',
    hostFile(bytes, extension, contentType) {
      fileCounter += 1;
      const path = `/cdn/files/${Date.now().toString(36)}-${fileCounter}.${extension}`;
      files.set(path, { bytes, contentType });
      return `${origin}${path}`;
    },
    dropFile(url) {
      files.delete(new URL(url).pathname);
    },
  };

  const server: Server = createServer((request, response) => {
    const connectionClosed = connections.get(request.socket)!;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://fake');
      const isCdn = url.pathname.startsWith('/cdn/');
      const call: RecordedCall = {
        kind: isCdn ? 'cdn' : 'api',
        method: request.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: request.headers,
        body: Buffer.concat(chunks),
        connectionClosed,
        get answerStarted() {
          return response.headersSent;
        },
        get answerEnded() {
          return response.writableEnded;
        },
      };
      calls.push(call);
      if (isCdn) {
        const file = files.get(url.pathname);
        if (!file) {
          response.writeHead(404, { 'content-type': 'application/xml' }).end('<Error><Code>NoSuchKey</Code></Error>');
          return;
        }
        response.writeHead(200, { 'content-type': file.contentType, 'content-length': String(file.bytes.length) }).end(file.bytes);
        return;
      }
      Promise.resolve(options.handler(request, response, call, context)).catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(`fake upstream crashed: ${error instanceof Error ? error.message : String(error)}`);
      });
    });
  });
  server.on('connection', (socket) => {
    connections.set(
      socket,
      new Promise((resolve) =>
        socket.once('close', () => {
          connections.delete(socket);
          resolve();
        }),
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl: `${origin}${options.basePath}`,
    origin,
    calls,
    supports: new Set(options.supports),
    enqueue: (...scenarios) => queue.push(...scenarios),
    get slowMs() {
      return state.slowMs;
    },
    set slowMs(value: number) {
      state.slowMs = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of connections.keys()) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response
    .writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers })
    .end(text);
}

/** A 200 whose body is cut halfway through, as a dropped connection or a proxy would leave it. */
export function sendTruncatedJson(response: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(200, { 'content-type': 'application/json' }).end(text.slice(0, Math.floor(text.length / 2)));
}

/**
 * A 200 that announces its whole length, sends the first half and then nothing more, the
 * connection left open: a provider (or a proxy in front of it) that hangs mid-answer.
 */
export function sendStalledJson(response: ServerResponse, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  response.write(text.slice(0, Math.floor(text.length / 2)));
}

/** A 200 that is not JSON at all (an HTML page from a proxy in front of the provider). */
export function sendMalformed(response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Bad gateway</body></html>');
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Parses a recorded multipart or urlencoded body. */
export async function formDataOf(call: RecordedCall): Promise<FormData> {
  return new Response(call.body, { headers: { 'content-type': String(call.headers['content-type'] ?? '') } }).formData();
}

/** The bytes of the file field `name` of a recorded multipart body; throws when it is absent or text. */
export async function formFileOf(call: RecordedCall, name: string): Promise<Buffer> {
  const file = (await formDataOf(call)).get(name);
  if (!(file instanceof File)) throw new Error(`no file '${name}'`);
  return Buffer.from(await file.arrayBuffer());
}

export function jsonOf(call: RecordedCall): unknown {
  return JSON.parse(call.body.toString('utf8')) as unknown;
}

const imageCache = new Map<string, Buffer>();

/** A real encoded test image (cached): what fakes return as generated output. */
export async function fakeImage(width = 64, height = 64, format: 'png' | 'jpeg' | 'webp' = 'png', seed = 0): Promise<Buffer> {
  const key = `${width}x${height}.${format}.${seed}`;
  const cached = imageCache.get(key);
  if (cached) return cached;
  const base = sharp({ create: { width, height, channels: 3, background: { r: (seed * 53) % 256, g: 120, b: 200 } } });
  const bytes =
    format === 'png' ? await base.png().toBuffer() : format === 'jpeg' ? await base.jpeg().toBuffer() : await base.webp().toBuffer();
  imageCache.set(key, bytes);
  return bytes;
}
