import type http from 'node:http';
import { RawHttpConnection, type RawOutcome } from './raw-http-connection.js';
import { elapsedMs, requestsPerSecond } from './stats.js';

/** The only host the load client talks to: benchmarks never leave the machine. */
export const LOOPBACK_HOST = '127.0.0.1';
const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;
const NANOSECONDS_PER_MILLISECOND = 1_000_000n;
/** The warmup lasts until this many responses per connection came back (besides `warmupMs`). */
export const WARMUP_ROUNDS = 2;
/** How much of an unexpected body goes into an error message. */
const BODY_SNIPPET_CHARACTERS = 300;

export interface LoadRequest {
  method: 'GET' | 'POST';
  /** Path and query, e.g. `/v1/openai/images/generations`. */
  path: string;
  headers?: Readonly<Record<string, string>>;
  /** Sent as is; build it once outside the loop. */
  body?: Buffer;
}

export interface LoadResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface LoadOptions {
  port: number;
  /** Requests in flight at all times (closed loop): each worker sends its next request when its last one ends. */
  concurrency: number;
  /**
   * Least unmeasured load before the window opens (JIT, connections, caches); the warmup also
   * lasts until `WARMUP_ROUNDS` responses per connection came back, so the server's queue is in
   * its steady state even when one response takes longer than this.
   */
  warmupMs: number;
  /** The measurement window closes after this long… */
  durationMs: number;
  /** …or at this many completed responses, whichever comes first. */
  maxRequests: number;
  requestTimeoutMs?: number;
  /** The request to send as the `index`-th (0-based, warmup included). Called in the hot loop: keep it cheap. */
  request(index: number): LoadRequest;
  /** Runs once on the first response, which must be 2xx; throw to abort the run (the only place to parse bodies). */
  verifyFirst?(response: LoadResponse): Promise<void> | void;
  /**
   * Runs on every 2xx response; a returned string marks it as an error of that kind. It must stay
   * cheap (look at headers first), for it runs in the hot loop.
   */
  failureOf?(status: number, headers: http.IncomingHttpHeaders, body: () => Buffer): string | undefined;
  /** Called as the window opens and closes, e.g. to read CPU counters over exactly the window. */
  onWindowStart?(): void;
  onWindowEnd?(): void;
}

export interface LoadResult {
  concurrency: number;
  /** Latency of every measured request (sent inside the window), errors included, in ms. */
  latenciesMs: number[];
  /** Responses completed inside the window, whenever they were sent: the throughput numerator. */
  completedInWindow: number;
  windowMs: number;
  /** How long the warmup took (at least `warmupMs`). */
  warmupMs: number;
  requestsPerSecond: number;
  /** Measured requests that failed: non-2xx, rejected by `failureOf`, or no response at all. */
  errors: number;
  /** `HTTP 503`, `ECONNRESET`, … → count, over measured requests. */
  errorKinds: Record<string, number>;
  /** Mean body size of measured 2xx responses in bytes. */
  meanBodyBytes: number;
}

/**
 * A closed-loop load generator: `concurrency` workers, each with its own keep-alive connection
 * (`RawHttpConnection`, reopened when the server closes it). Bodies are read in full but only
 * counted, never parsed or kept (but for the first response and when `failureOf` needs them), so
 * the client spends little of the machine's CPU on multi-megabyte responses. The window opens
 * after the warmup and closes at `durationMs` or `maxRequests` completions; the load is then kept
 * up until every measured request has finished, so the last ones do not see an emptier server
 * than the rest.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { concurrency } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`concurrency must be a positive integer, got ${concurrency}`);
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const durationNs = BigInt(options.durationMs) * NANOSECONDS_PER_MILLISECOND;
  const runStart = process.hrtime.bigint();
  const earliestWindowStart = runStart + BigInt(options.warmupMs) * NANOSECONDS_PER_MILLISECOND;

  let window: { start: bigint; deadline: bigint; end: bigint | undefined; timer: NodeJS.Timeout } | undefined;
  let completedInWindow = 0;
  let totalCompleted = 0;
  let measuredInFlight = 0;
  let issued = 0;
  let firstSeen = false;
  let fatal: Error | undefined;
  let bodyBytes = 0;
  let okCount = 0;
  const latenciesMs: number[] = [];
  const errorKinds: Record<string, number> = {};

  const closeWindow = (at: bigint): void => {
    if (window === undefined || window.end !== undefined) return;
    window.end = at;
    clearTimeout(window.timer);
    options.onWindowEnd?.();
  };
  const openWindow = (): void => {
    const now = process.hrtime.bigint();
    if (window !== undefined || fatal !== undefined || now < earliestWindowStart || totalCompleted < WARMUP_ROUNDS * concurrency) return;
    const deadline = now + durationNs;
    window = { start: now, deadline, end: undefined, timer: setTimeout(() => closeWindow(deadline), options.durationMs) };
    options.onWindowStart?.();
  };
  const warmupTimer = setTimeout(openWindow, options.warmupMs);

  const connections = new Set<RawHttpConnection>();
  const worker = async (): Promise<void> => {
    let connection: RawHttpConnection | undefined;
    for (;;) {
      if (fatal !== undefined) return;
      if (window?.end !== undefined && measuredInFlight === 0) return;
      const startNs = process.hrtime.bigint();
      const measured = window !== undefined && window.end === undefined && startNs < window.deadline;
      if (measured) measuredInFlight += 1;
      if (!connection?.reusable) {
        if (connection) connections.delete(connection);
        connection = new RawHttpConnection(options.port, LOOPBACK_HOST, timeoutMs);
        connections.add(connection);
      }
      const index = issued++;
      // The first response to come back is among the first `concurrency` sent: keep those bodies for `verifyFirst`.
      const keepBody = index < concurrency || options.failureOf !== undefined;
      // As the caller built it: the connection encodes a request object it has seen once.
      const outcome = await connection.send(options.request(index), keepBody);
      const endNs = process.hrtime.bigint();
      totalCompleted += 1;
      if (measured) measuredInFlight -= 1;

      if (window !== undefined && endNs >= window.start && endNs <= (window.end ?? window.deadline)) {
        completedInWindow += 1;
        if (completedInWindow >= options.maxRequests) closeWindow(endNs);
      }
      openWindow();

      if (!firstSeen) {
        firstSeen = true;
        try {
          await verifyFirstOutcome(outcome, options.verifyFirst);
        } catch (error) {
          fatal = error instanceof Error ? error : new Error(String(error));
          return;
        }
      }
      if (!measured) continue;
      latenciesMs.push(elapsedMs(startNs, endNs));
      const failure = failureOf(outcome, options.failureOf);
      if (failure !== undefined) {
        errorKinds[failure] = (errorKinds[failure] ?? 0) + 1;
      } else if (outcome.kind === 'response') {
        okCount += 1;
        bodyBytes += outcome.length;
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    clearTimeout(warmupTimer);
    if (window !== undefined) clearTimeout(window.timer);
    for (const connection of connections) connection.close();
  }
  if (fatal !== undefined) throw fatal;
  if (window?.end === undefined) throw new Error('the measurement window never closed');
  const windowNs = window.end - window.start;
  const errors = Object.values(errorKinds).reduce((sum, count) => sum + count, 0);
  return {
    concurrency,
    latenciesMs,
    completedInWindow,
    windowMs: elapsedMs(0n, windowNs),
    warmupMs: elapsedMs(runStart, window.start),
    requestsPerSecond: requestsPerSecond(completedInWindow, windowNs),
    errors,
    errorKinds,
    meanBodyBytes: okCount === 0 ? Number.NaN : bodyBytes / okCount,
  };
}

/** `0`, or the count with its kinds: `3 (HTTP 502×2, ECONNRESET×1)`. */
export function describeErrors(result: Pick<LoadResult, 'errors' | 'errorKinds'>): string {
  if (result.errors === 0) return '0';
  const kinds = Object.entries(result.errorKinds)
    .map(([kind, count]) => `${kind}×${count}`)
    .join(', ');
  return `${result.errors} (${kinds})`;
}

/** One request outside any load (setup, checks); rejects on network errors, never on a status. */
export async function requestOnce(port: number, request: LoadRequest, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): Promise<LoadResponse> {
  const connection = new RawHttpConnection(port, LOOPBACK_HOST, timeoutMs);
  try {
    const outcome = await connection.send(request, true);
    if (outcome.kind === 'failure') throw new Error(`${request.method} ${request.path} failed: ${outcome.reason}`);
    return { status: outcome.status, headers: outcome.headers, body: joinKept(outcome) };
  } finally {
    connection.close();
  }
}

/** The port of an absolute URL, after checking it points at the loopback host the client may use. */
export function loopbackPort(url: string): number {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' || parsed.hostname !== LOOPBACK_HOST) {
    throw new Error(`the load client only talks to http://${LOOPBACK_HOST}, not ${parsed.origin}`);
  }
  return Number(parsed.port || '80');
}

/** Short text of a body for error messages. */
export function bodySnippet(body: Buffer): string {
  const text = body
    .subarray(0, BODY_SNIPPET_CHARACTERS * 4)
    .toString('utf8')
    .trim();
  return text.length > BODY_SNIPPET_CHARACTERS ? `${text.slice(0, BODY_SNIPPET_CHARACTERS)}…` : text;
}

async function verifyFirstOutcome(outcome: RawOutcome, verify: LoadOptions['verifyFirst']): Promise<void> {
  if (outcome.kind === 'failure') throw new Error(`the first request failed: ${outcome.reason}`);
  const body = joinKept(outcome);
  if (outcome.status < 200 || outcome.status > 299) {
    throw new Error(`the first request answered HTTP ${outcome.status}: ${bodySnippet(body)}`);
  }
  await verify?.({ status: outcome.status, headers: outcome.headers, body });
}

function failureOf(outcome: RawOutcome, check: LoadOptions['failureOf']): string | undefined {
  if (outcome.kind === 'failure') return outcome.reason;
  if (outcome.status < 200 || outcome.status > 299) return `HTTP ${outcome.status}`;
  return check?.(outcome.status, outcome.headers, () => joinKept(outcome));
}

function joinKept(outcome: Extract<RawOutcome, { kind: 'response' }>): Buffer {
  // `length` counts every body byte, kept or not: joining nothing to it would pad zeros.
  return outcome.kept ? Buffer.concat(outcome.kept, outcome.length) : Buffer.alloc(0);
}
