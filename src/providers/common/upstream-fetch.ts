import { Readable } from 'node:stream';
import { Agent, errors as undiciErrors, type Dispatcher } from 'undici';
import { abortAfter } from '../../domain/abort-after.js';
import type { LendBuffer } from '../../domain/scratch-buffers.js';
import { UpstreamError } from '../../errors/upstream-error.js';
import { ChunkCollector } from './chunk-collector.js';
import type { ChunkedBytes } from './chunked-bytes.js';
import { isMultipartBody, type MultipartBody } from './multipart-form.js';

/** One keep-alive pool for every upstream API call (not for downloads: those use the guarded downloader). */
const upstreamAgent = new Agent({
  connect: { timeout: 10_000 },
  keepAliveTimeout: 30_000,
  // Generations take minutes; the request deadline (the signal) bounds them instead.
  headersTimeout: 0,
  bodyTimeout: 0,
  connections: 128,
});

export interface UpstreamRequest {
  provider: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** A `MultipartBody` is streamed from its buffers; a `FormData` is encoded into one buffer first. */
  body?: string | Buffer | FormData | MultipartBody;
  signal: AbortSignal;
  /**
   * Epoch ms past which the request is abandoned with a `timeout` error naming the provider, even
   * while `signal` stays open (the router's signal may be looser than the call's deadline). An
   * abort of `signal` itself still rejects with its own reason.
   */
  deadline?: number;
  /** Refuse bodies larger than this (a misbehaving upstream must not exhaust memory). */
  maxBodyBytes?: number;
  dispatcher?: Dispatcher;
  /**
   * Bytes a scanner of `upstreamFetchChunks`' answer will look for (`"` and `\` for JSON), their
   * first position in each chunk noted as it arrives (`ChunkCollector`). `upstreamFetch` joins the
   * body at once and takes none.
   */
  noteBytes?: readonly number[];
  /**
   * Lends the buffer an answer of `size` bytes (its `content-length`, when at least
   * `LENT_BODY_MIN_BYTES`) is read into: each chunk is copied in as it arrives and the answer is
   * views of it. Undici's socket chunks, kept until the client has read the answer, outlive
   * young-generation collections under load and keep V8 marking; a lent buffer is reused
   * (docs/performance.md, "fifth boot"). Nothing of the answer may be read after the lender takes
   * the buffer back. Without it, or when it lends none, the answer stays in the socket chunks.
   */
  lendBuffer?: LendBuffer;
}

/** Smaller answers (errors, URLs) stay in their chunks: a copy would gain nothing. */
export const LENT_BODY_MIN_BYTES = 256 * 1024;

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const DEFAULT_MAX_BODY_BYTES = 256 * 1024 * 1024;

/**
 * Sends one upstream request and reads the whole body. Network failures become `UpstreamError`s
 * (`unavailable` when nothing answered, `upstream_error` when the connection broke mid-response);
 * an abort rejects with the signal's reason so the router can tell deadline from disconnect.
 * HTTP error statuses are returned, not thrown: each adapter maps its provider's error bodies.
 */
export async function upstreamFetch(input: Omit<UpstreamRequest, 'noteBytes' | 'lendBuffer'>): Promise<UpstreamResponse> {
  const { status, headers, bytes } = await upstreamFetchChunks(input);
  return { status, headers, body: bytes.join() };
}

/** A response whose body is kept as the chunks it arrived in (in order), never joined. */
export interface UpstreamChunkedResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: ChunkedBytes;
}

/**
 * `upstreamFetch` for multi-megabyte answers read in place (images as base64 in JSON): the body
 * stays in its socket chunks, so no second buffer of the whole body is allocated. Every other
 * check is the same: its `content-length` and `maxBodyBytes` are enforced as it arrives.
 */
export async function upstreamFetchChunks(input: UpstreamRequest): Promise<UpstreamChunkedResponse> {
  const maxBodyBytes = input.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  let body: string | Buffer | Readable | undefined;
  const headers: Record<string, string> = { ...input.headers };
  if (isMultipartBody(input.body)) {
    // A fresh stream per call over the same buffers: nothing is copied, and a retry can send it again.
    body = Readable.from(input.body.parts, { objectMode: false });
    headers['content-type'] = input.body.contentType;
    headers['content-length'] = String(input.body.length);
  } else if (input.body instanceof FormData) {
    // undici's fetch encodes FormData; `dispatch` needs bytes, so let a Response do the encoding.
    const encoded = new Response(input.body);
    body = Buffer.from(await encoded.arrayBuffer());
    headers['content-type'] = encoded.headers.get('content-type') ?? 'multipart/form-data';
  } else {
    body = input.body;
  }
  const timed = input.deadline === undefined ? undefined : abortAfter(input.signal, input.deadline - Date.now());
  try {
    const { origin, pathname, search } = new URL(input.url);
    return await dispatchForChunks(
      input.provider,
      input.dispatcher ?? upstreamAgent,
      { origin, path: `${pathname}${search}`, method: input.method, headers, body: body ?? null },
      timed?.signal ?? input.signal,
      new ChunkCollector(input.noteBytes === undefined ? {} : { noteBytes: input.noteBytes }),
      maxBodyBytes,
      input.lendBuffer,
    );
  } catch (error) {
    if (input.signal.aborted) throw input.signal.reason as Error;
    if (timed?.signal.aborted) {
      throw new UpstreamError({
        provider: input.provider,
        kind: 'timeout',
        message: `The provider '${input.provider}' did not answer before the request deadline.`,
        cause: error,
      });
    }
    if (error instanceof UpstreamError) throw error;
    throw networkError(input.provider, error);
  } finally {
    timed?.dispose();
  }
}

/**
 * One request through undici's `dispatch`, its body kept as the chunks it arrived in (in order).
 * A declared `content-length` over the limit is refused before reading, and the body must match
 * it exactly (shorter or longer is a broken response); without one, reading stops at
 * `maxBodyBytes`. `dispatch` hands each chunk straight from undici's parser to this handler, where
 * `request` put a stream between them: ~0.1 ms of the gateway's CPU per 1.9 MB answer
 * (docs/performance.md, "undici's `dispatch`").
 */
function dispatchForChunks(
  provider: string,
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  signal: AbortSignal,
  collected: ChunkCollector,
  maxBodyBytes: number,
  lendBuffer: LendBuffer | undefined,
): Promise<UpstreamChunkedResponse> {
  return new Promise<UpstreamChunkedResponse>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    let controller: Dispatcher.DispatchController | undefined;
    let settled = false;
    let status = 0;
    let headers: UpstreamChunkedResponse['headers'] = {};
    let declared: number | undefined;
    let limit = maxBodyBytes;
    const settle = (error: unknown, response?: UpstreamChunkedResponse) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (response) resolve(response);
      else reject(error);
    };
    // Settled first: the handler's error callback that the abort brings changes nothing after it.
    const stop = (error: Error) => {
      settle(error);
      controller?.abort(error);
    };
    const onAbort = () => stop(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        controller = started;
        // Aborted while it waited for a connection.
        if (settled) started.abort(signal.reason as Error);
      },
      onResponseStart(_controller, statusCode, responseHeaders) {
        // An informational answer (103 Early Hints) comes before the real one: nothing to keep.
        if (statusCode < 200) return;
        status = statusCode;
        headers = responseHeaders;
        declared = declaredLength(responseHeaders['content-length']);
        if (declared !== undefined && declared > maxBodyBytes) stop(tooLarge(provider, maxBodyBytes));
        else limit = declared ?? maxBodyBytes;
        // The limit keeps the body within the declared length, so it fits the lent buffer.
        const lent = !settled && declared !== undefined && declared >= LENT_BODY_MIN_BYTES ? lendBuffer?.(declared) : undefined;
        if (lent !== undefined) collected.readInto(lent);
      },
      onResponseData(_controller, chunk) {
        if (settled) return;
        if (collected.size + chunk.length <= limit) {
          collected.push(chunk);
          return;
        }
        stop(
          declared === undefined
            ? tooLarge(provider, maxBodyBytes)
            : brokenBody(provider, `sent more than the ${declared} bytes its content-length announced`),
        );
      },
      onResponseEnd() {
        const bodiless = status === 204 || status === 304;
        if (declared !== undefined && !bodiless && collected.size < declared) {
          settle(brokenBody(provider, `sent ${collected.size} of the ${declared} bytes its content-length announced`));
        } else {
          settle(undefined, { status, headers, bytes: collected.bytes() });
        }
      },
      onResponseError(_controller, error) {
        settle(error);
      },
    };
    try {
      dispatcher.dispatch(options, handler);
    } catch (error) {
      settle(error);
    }
  });
}

function declaredLength(header: string | string[] | undefined): number | undefined {
  if (typeof header !== 'string' || !/^\d+$/.test(header)) return undefined;
  const length = Number(header);
  return Number.isSafeInteger(length) ? length : undefined;
}

function tooLarge(provider: string, maxBodyBytes: number): UpstreamError {
  return new UpstreamError({
    provider,
    kind: 'upstream_error',
    message: `The provider '${provider}' sent a response larger than ${maxBodyBytes} bytes.`,
  });
}

function brokenBody(provider: string, detail: string): UpstreamError {
  return new UpstreamError({ provider, kind: 'upstream_error', message: `The provider '${provider}' ${detail}.` });
}

function networkError(provider: string, error: unknown): UpstreamError {
  const code = (error as { code?: unknown }).code;
  const refused =
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'EAI_AGAIN' ||
    code === 'EHOSTUNREACH' ||
    error instanceof undiciErrors.ConnectTimeoutError;
  return new UpstreamError({
    provider,
    kind: refused ? 'unavailable' : 'upstream_error',
    message: refused
      ? `The provider '${provider}' could not be reached.`
      : `The connection to '${provider}' broke before the response was complete.`,
    cause: error,
  });
}

/** Parses a JSON body leniently: `undefined` when it is not JSON (truncated, HTML error pages, ...). */
export function parseJsonBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
