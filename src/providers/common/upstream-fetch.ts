import { finished, Readable } from 'node:stream';
import { Agent, errors as undiciErrors, request, type Dispatcher } from 'undici';
import { abortAfter } from '../../domain/abort-after.js';
import { UpstreamError } from '../../errors/upstream-error.js';
import { ChunkCollector } from './chunk-collector.js';
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
}

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
export async function upstreamFetch(input: UpstreamRequest): Promise<UpstreamResponse> {
  const { status, headers, chunks } = await upstreamFetchChunks(input);
  return { status, headers, body: joinChunks(chunks) };
}

/** A chunked body as one buffer (the chunk itself when there is only one). */
export function joinChunks(chunks: readonly Buffer[]): Buffer {
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/** A response whose body is kept as the chunks it arrived in (in order), never joined. */
export interface UpstreamChunkedResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  chunks: Buffer[];
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
    // undici's fetch encodes FormData; `request` needs bytes, so let a Response do the encoding.
    const encoded = new Response(input.body);
    body = Buffer.from(await encoded.arrayBuffer());
    headers['content-type'] = encoded.headers.get('content-type') ?? 'multipart/form-data';
  } else {
    body = input.body;
  }
  const timed = input.deadline === undefined ? undefined : abortAfter(input.signal, input.deadline - Date.now());
  try {
    const response = await request(input.url, {
      method: input.method,
      headers,
      ...(body === undefined ? {} : { body }),
      signal: timed?.signal ?? input.signal,
      dispatcher: input.dispatcher ?? upstreamAgent,
    });
    return {
      status: response.statusCode,
      headers: response.headers,
      chunks: await readChunks(input.provider, response, maxBodyBytes),
    };
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
 * The body as its chunks, as they arrived. A declared `content-length` over the limit is refused
 * before reading, and the body must match it exactly (shorter or longer is a broken response);
 * without one, reading stops at `maxBodyBytes`. Read with 'data' events rather than `for await`:
 * the async iterator costs a promise per chunk, ~30 of them for a 1.9 MB answer.
 */
function readChunks(provider: string, response: Dispatcher.ResponseData, maxBodyBytes: number): Promise<Buffer[]> {
  const declared = declaredLength(response.headers['content-length']);
  const limit = declared ?? maxBodyBytes;
  const body = response.body;
  if (declared !== undefined && declared > maxBodyBytes) {
    body.destroy();
    return Promise.reject(tooLarge(provider, maxBodyBytes));
  }
  return new Promise<Buffer[]>((resolve, reject) => {
    const collected = new ChunkCollector();
    const onData = (chunk: Buffer) => {
      if (collected.size + chunk.length <= limit) {
        collected.push(chunk);
        return;
      }
      body.off('data', onData);
      reject(
        declared === undefined
          ? tooLarge(provider, maxBodyBytes)
          : brokenBody(provider, `sent more than the ${declared} bytes its content-length announced`),
      );
      body.destroy();
    };
    body.on('data', onData);
    // Called once: at the end, on an error (an abort among them), or when the body closed before
    // its end (ERR_STREAM_PREMATURE_CLOSE). After a rejection above, its call changes nothing.
    finished(body, (error) => {
      if (error) {
        reject(error);
        return;
      }
      const bodiless = response.statusCode === 204 || response.statusCode === 304;
      if (declared !== undefined && !bodiless && collected.size < declared) {
        reject(brokenBody(provider, `sent ${collected.size} of the ${declared} bytes its content-length announced`));
      } else {
        resolve(collected.chunks);
      }
    });
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
