import { abortAfter } from '../../domain/abort-after.js';
import type { LendBuffer } from '../../domain/scratch-buffers.js';
import { UpstreamError } from '../../errors/upstream-error.js';
import { ChunkCollector } from './chunk-collector.js';
import type { ChunkedBytes } from './chunked-bytes.js';
import { ConnectTimeoutError, type Http1Exchange, type Http1Request, type Http1ResponseHandler } from './http1-connection.js';
import { Http1Pool } from './http1-pool.js';
import { MalformedResponseError } from './http1-response-head.js';
import { isMultipartBody, type MultipartBody } from './multipart-form.js';

/**
 * One keep-alive pool for every upstream API call (not for downloads: those use the guarded
 * downloader). Generations take minutes, so no head or body timeout: the request deadline (the
 * signal) bounds them instead.
 */
const upstreamPool = new Http1Pool({ maxConnectionsPerOrigin: 128, idleTimeoutMs: 30_000, connectTimeoutMs: 10_000 });

export interface UpstreamRequest {
  provider: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** A `MultipartBody` is written from its buffers (one `writev`); a `FormData` is encoded into one buffer first. */
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
  /** Another pool than the shared one (a test's, with its own TLS trust). */
  pool?: Http1Pool;
  /**
   * Bytes a scanner of `upstreamFetchChunks`' answer will look for (`"` and `\` for JSON), their
   * first position in each chunk noted as it arrives (`ChunkCollector`). `upstreamFetch` joins the
   * body at once and takes none.
   */
  noteBytes?: readonly number[];
  /**
   * Lends the buffer an answer of `size` bytes (its `content-length`, when at least
   * `LENT_BODY_MIN_BYTES`) is read into: the kernel writes the body straight into it and the
   * answer is views of it. A buffer allocated per answer outlives young-generation collections
   * while the client reads it and keeps V8 marking under load; a lent buffer is reused
   * (docs/performance.md, "fifth boot"). Nothing of the answer may be read after the lender takes
   * the buffer back. Without it, or when it lends none, the answer is read into a buffer of its own.
   */
  lendBuffer?: LendBuffer;
}

/** Smaller answers (errors, URLs) get a buffer of their own: a lent one would gain nothing. */
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
 * stays in the pieces it was read in, so no second buffer of the whole body is allocated. Every
 * other check is the same: its `content-length` and `maxBodyBytes` are enforced as it arrives.
 */
export async function upstreamFetchChunks(input: UpstreamRequest): Promise<UpstreamChunkedResponse> {
  const maxBodyBytes = input.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  let body: Http1Request['body'];
  const headers: Record<string, string> = { ...input.headers };
  if (isMultipartBody(input.body)) {
    // The same buffers every call: nothing is copied, and a retry can send them again.
    body = input.body.parts;
    headers['content-type'] = input.body.contentType;
  } else if (input.body instanceof FormData) {
    // Let a Response do the multipart encoding of a FormData.
    const encoded = new Response(input.body);
    body = Buffer.from(await encoded.arrayBuffer());
    headers['content-type'] = encoded.headers.get('content-type') ?? 'multipart/form-data';
  } else {
    body = input.body ?? null;
  }
  const timed = input.deadline === undefined ? undefined : abortAfter(input.signal, input.deadline - Date.now());
  try {
    const url = new URL(input.url);
    return await exchangeForChunks(
      input.provider,
      input.pool ?? upstreamPool,
      url,
      { path: `${url.pathname}${url.search}`, method: input.method, headers, body },
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
 * One request through the pool, its body kept as the pieces it was read in (in order). A declared
 * `content-length` over the limit is refused before reading, and the body is read into one buffer
 * of that length (lent, or its own): the kernel writes it there, nothing is copied after
 * (docs/performance.md, "seventh boot"). Without one, reading stops at `maxBodyBytes`.
 */
function exchangeForChunks(
  provider: string,
  pool: Http1Pool,
  url: URL,
  request: Http1Request,
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
    let exchange: Http1Exchange | undefined;
    let settled = false;
    let status = 0;
    let headers: UpstreamChunkedResponse['headers'] = {};
    const settle = (error: unknown, response?: UpstreamChunkedResponse) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (response) resolve(response);
      else reject(error);
    };
    // Settled first: nothing the abort brings changes anything after it.
    const stop = (error: Error) => {
      settle(error);
      exchange?.abort(error);
    };
    const onAbort = () => stop(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    const handler: Http1ResponseHandler = {
      onResponseStart(statusCode, responseHeaders, declared) {
        status = statusCode;
        headers = responseHeaders;
        if (declared !== undefined && declared > maxBodyBytes) {
          stop(tooLarge(provider, maxBodyBytes));
          return undefined;
        }
        return declared !== undefined && declared >= LENT_BODY_MIN_BYTES ? lendBuffer?.(declared) : undefined;
      },
      onResponseData(chunk) {
        if (settled) return;
        // A declared length was checked above and frames the body; only an undeclared one can grow past the limit.
        if (collected.size + chunk.length <= maxBodyBytes) collected.push(chunk);
        else stop(tooLarge(provider, maxBodyBytes));
      },
      onResponseEnd() {
        settle(undefined, { status, headers, bytes: collected.bytes() });
      },
      onResponseError(error) {
        settle(error);
      },
    };
    try {
      exchange = pool.request(url, request, handler);
    } catch (error) {
      settle(error);
    }
  });
}

function tooLarge(provider: string, maxBodyBytes: number): UpstreamError {
  return new UpstreamError({
    provider,
    kind: 'upstream_error',
    message: `The provider '${provider}' sent a response larger than ${maxBodyBytes} bytes.`,
  });
}

function networkError(provider: string, error: unknown): UpstreamError {
  if (error instanceof MalformedResponseError) {
    return new UpstreamError({
      provider,
      kind: 'upstream_error',
      message: `The provider '${provider}' sent a malformed HTTP response.`,
      cause: error,
    });
  }
  const code = (error as { code?: unknown }).code;
  const refused =
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'EAI_AGAIN' ||
    code === 'EHOSTUNREACH' ||
    error instanceof ConnectTimeoutError;
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
