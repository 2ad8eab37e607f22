import { channel } from 'node:diagnostics_channel';
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { ChunkedBodyDecoder } from './chunked-body-decoder.js';
import { FIELD_NAME, FIELD_VALUE, MalformedResponseError, parseResponseHead, type ResponseHead } from './http1-response-head.js';

/** What a connection reads a response's head (and chunked or unframed bodies) into: the longest head accepted. */
const SCRATCH_BYTES = 64 * 1024;
/**
 * Diagnostics channels (`node:diagnostics_channel`), published only while someone listens: a
 * request handed to the socket, and an answer read in full. Each message is `{ origin, method, path }`
 * (the bench's phase recorder times a request by them).
 */
export const HTTP1_REQUEST_SENT_CHANNEL = 'imagerouter:http1:request-sent';
export const HTTP1_RESPONSE_END_CHANNEL = 'imagerouter:http1:response-end';
const requestSent = channel(HTTP1_REQUEST_SENT_CHANNEL);
const responseEnd = channel(HTTP1_RESPONSE_END_CHANNEL);

/** Where the kernel writes when nothing should arrive (an idle connection, one being torn down). */
const DISCARD = Buffer.allocUnsafeSlow(4096);

export interface Http1Request {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';
  /** Path and query, as sent on the request line. */
  path: string;
  /** Field names as given; `host` and `content-length` are set by the connection. */
  headers: Readonly<Record<string, string>>;
  /** Parts are written in order without being joined (one `writev`). */
  body: string | Buffer | readonly Buffer[] | null;
}

export interface Http1ResponseHandler {
  /**
   * The final response's status and fields (informational 1xx answers are skipped). For a body
   * with a `content-length`, returns the buffer to read it into (at least that long), or
   * `undefined` to have one allocated; the kernel then writes the body straight into it. The
   * exchange may be aborted from here.
   */
  onResponseStart(status: number, headers: Record<string, string | string[]>, contentLength: number | undefined): Buffer | undefined;
  /** Body bytes in order: views of the buffer `onResponseStart` gave (or was given), or copies. */
  onResponseData(chunk: Buffer): void;
  onResponseEnd(): void;
  /** Once at most, and never after `onResponseEnd` or an abort. */
  onResponseError(error: Error): void;
}

/** A request in flight: `abort` tears its connection down; its handler hears nothing more. */
export interface Http1Exchange {
  abort(reason: Error): void;
}

/** The TCP or TLS connection was not up within the connect timeout. */
export class ConnectTimeoutError extends Error {
  readonly code = 'IMAGEROUTER_CONNECT_TIMEOUT';
  constructor(timeoutMs: number) {
    super(`connect timed out after ${timeoutMs} ms`);
    this.name = 'ConnectTimeoutError';
  }
}

/** The peer closed the connection (or it failed) before the response was complete. */
export class ConnectionClosedError extends Error {
  readonly code = 'IMAGEROUTER_CONNECTION_CLOSED';
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`connection closed ${detail}`, options);
    this.name = 'ConnectionClosedError';
  }
}

export interface Http1ConnectionTarget {
  protocol: 'http:' | 'https:';
  /** Without IPv6 brackets. */
  host: string;
  port: number;
  /** The `host` field: the name as in the URL, with the port when it is not the default. */
  authority: string;
}

export interface Http1ConnectionEvents {
  /** The exchange ended and the connection may carry another (`reusable`), or must be closed. */
  onExchangeDone(connection: Http1Connection, reusable: boolean): void;
  /** The socket closed (for any reason): the connection is gone. */
  onClosed(connection: Http1Connection): void;
  /** A TLS session to resume on the next connection to the same origin. */
  onTlsSession?(session: Buffer): void;
}

type Mode = 'idle' | 'head' | 'sized' | 'chunked' | 'until-close';

/**
 * One HTTP/1.1 client connection carrying one exchange at a time. Reads go through `onread`: the
 * kernel copies each response body with a `content-length` straight into the buffer its handler
 * chose (for a 1.9 MB answer: no 64 KiB socket buffers to collect, and no copy to join them),
 * heads and other bodies into one 64 KiB buffer of the connection's own.
 */
export class Http1Connection {
  readonly socket: Socket | TLSSocket;
  /** The idle timeout the server's `keep-alive: timeout=N` allows, once an answer said so. */
  serverIdleTimeoutMs: number | undefined;
  /**
   * The last exchange failed on a connection that had carried one before, with not a byte of the
   * answer read: most likely the server closed it while idle, before the request reached it.
   */
  failedUnanswered = false;
  private exchanges = 0;
  private answerBytes = 0;
  private readonly scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
  private start = 0;
  private end = 0;
  private mode: Mode = 'idle';
  private handler: Http1ResponseHandler | undefined;
  private request: Http1Request | undefined;
  private requestWritten = false;
  private closeAfter = false;
  private target: Buffer | undefined;
  private filled = 0;
  private length = 0;
  private decoder: ChunkedBodyDecoder | undefined;
  private connected = false;
  private closed = false;
  private connectTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly origin: Http1ConnectionTarget,
    private readonly events: Http1ConnectionEvents,
    options: { connectTimeoutMs: number; tls?: ConnectionOptions; tlsSession?: Buffer },
  ) {
    const onread = { buffer: () => this.nextReadBuffer(), callback: (bytes: number) => this.onRead(bytes) };
    if (origin.protocol === 'https:') {
      const tls = connectTls({
        ...options.tls,
        host: origin.host,
        port: origin.port,
        ...(isIP(origin.host) === 0 ? { servername: origin.host } : {}),
        ALPNProtocols: ['http/1.1'],
        ...(options.tlsSession ? { session: options.tlsSession } : {}),
        onread,
      } as ConnectionOptions);
      tls.on('session', (session: Buffer) => events.onTlsSession?.(session));
      tls.once('secureConnect', () => this.onConnected());
      this.socket = tls;
    } else {
      this.socket = connectTcp({ host: origin.host, port: origin.port, onread });
      this.socket.once('connect', () => this.onConnected());
    }
    this.socket.setNoDelay(true);
    this.connectTimer = setTimeout(() => this.fail(new ConnectTimeoutError(options.connectTimeoutMs)), options.connectTimeoutMs);
    this.socket.on('error', (error) => this.fail(error));
    this.socket.on('end', () => this.onEnd());
    this.socket.on('close', () => this.onClose());
  }

  /** Open, not carrying an exchange, and not being closed by the peer. */
  get reusable(): boolean {
    return !this.closed && this.mode === 'idle' && !this.socket.destroyed && !this.socket.readableEnded;
  }

  /** Sends `request`; the answer goes to `handler`. The connection must be idle. */
  send(request: Http1Request, handler: Http1ResponseHandler): void {
    if (this.mode !== 'idle' || this.closed) throw new Error('Http1Connection.send: the connection is busy or closed');
    const body =
      request.body === null
        ? []
        : typeof request.body === 'string'
          ? [Buffer.from(request.body)]
          : Array.isArray(request.body)
            ? request.body
            : [request.body as Buffer];
    const bodyLength = body.reduce((sum, part) => sum + part.length, 0);
    let head = `${request.method} ${request.path} HTTP/1.1\r\nhost: ${this.origin.authority}\r\n`;
    for (const [name, value] of Object.entries(request.headers)) {
      // A CR or LF in a configured value (an API key pasted with its newline) must not add lines to the request.
      if (!FIELD_NAME.test(name) || !FIELD_VALUE.test(value))
        throw new TypeError(`Http1Connection: invalid request header field '${printableName(name)}'`);
      const lower = name.toLowerCase();
      if (lower === 'host' || lower === 'content-length' || lower === 'transfer-encoding' || lower === 'connection') continue;
      head += `${name}: ${value}\r\n`;
    }
    if (request.body !== null || request.method === 'POST' || request.method === 'PUT') head += `content-length: ${bodyLength}\r\n`;
    head += '\r\n';
    this.mode = 'head';
    this.handler = handler;
    this.request = request;
    this.requestWritten = false;
    this.closeAfter = false;
    this.exchanges += 1;
    this.answerBytes = 0;
    this.socket.ref();
    this.socket.cork();
    this.socket.write(head, 'latin1', body.length === 0 ? () => this.onRequestWritten() : undefined);
    body.forEach((part, index) => this.socket.write(part, index === body.length - 1 ? () => this.onRequestWritten() : undefined));
    this.socket.uncork();
    if (requestSent.hasSubscribers) requestSent.publish(this.describe(request));
  }

  /** Tears the connection down; the current handler, if any, hears nothing more. */
  abort(): void {
    this.handler = undefined;
    this.mode = 'idle';
    this.destroy();
  }

  /** Closes the socket (an idle connection the pool retires, or a broken one). */
  destroy(): void {
    this.closed = true;
    clearTimeout(this.connectTimer);
    this.socket.destroy();
  }

  private describe(request: Http1Request): { origin: string; method: string; path: string } {
    return { origin: `${this.origin.protocol}//${this.origin.authority}`, method: request.method, path: request.path };
  }

  private onConnected(): void {
    this.connected = true;
    clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
  }

  private onRequestWritten(): void {
    this.requestWritten = true;
  }

  private nextReadBuffer(): Buffer {
    if (this.closed) return DISCARD;
    if (this.mode === 'sized') return this.target!.subarray(this.filled, this.length);
    if (this.start === this.end) this.start = this.end = 0;
    else if (this.start > 0 && this.end === this.scratch.length) {
      this.scratch.copyWithin(0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
    // A full scratch buffer means a head too long: onRead has already failed the exchange.
    return this.end < this.scratch.length ? this.scratch.subarray(this.end) : DISCARD;
  }

  private onRead(bytes: number): boolean {
    if (this.closed) return true;
    this.answerBytes += bytes;
    try {
      if (this.mode === 'sized') {
        const chunk = this.target!.subarray(this.filled, this.filled + bytes);
        this.filled += bytes;
        this.handler!.onResponseData(chunk);
        if (this.filled === this.length) this.finish();
      } else {
        this.end += bytes;
        this.process();
      }
    } catch (error) {
      this.fail(error as Error);
    }
    return true;
  }

  /** Works through what the scratch buffer holds, as far as it goes. */
  private process(): void {
    while (!this.closed && this.start < this.end) {
      switch (this.mode) {
        case 'idle':
          throw new MalformedResponseError('bytes arrived with no request outstanding');
        case 'head':
          if (!this.readHead()) return;
          break;
        case 'chunked': {
          const scratch = this.scratch;
          this.start = this.decoder!.decode(scratch, this.start, this.end, (from, to) =>
            this.handler?.onResponseData(Buffer.from(scratch.subarray(from, to))),
          );
          if (this.decoder!.done) this.finish();
          else return;
          break;
        }
        case 'until-close':
          this.handler!.onResponseData(Buffer.from(this.scratch.subarray(this.start, this.end)));
          this.start = this.end;
          return;
        case 'sized':
          // Only the bytes that arrived with the head: later ones are read into the target directly.
          this.takeSized();
          return;
      }
    }
  }

  /** Reads one head if it is all there; false while it is not. */
  private readHead(): boolean {
    const head = parseResponseHead(this.scratch, this.start, this.end);
    if (head === undefined) {
      if (this.end - this.start >= this.scratch.length)
        throw new MalformedResponseError(`response head larger than ${SCRATCH_BYTES} bytes`);
      return false;
    }
    this.start = head.end;
    if (head.status < 200) {
      if (head.status === 101) throw new MalformedResponseError('unexpected protocol switch (101)');
      return true;
    }
    this.startBody(head);
    return true;
  }

  private startBody(head: ResponseHead): void {
    const { headers, status } = head;
    this.closeAfter = head.minorVersion === 0 || hasToken(headers['connection'], 'close');
    this.serverIdleTimeoutMs = keepAliveTimeoutMs(headers['keep-alive']);
    const handler = this.handler!;
    const bodiless = this.request!.method === 'HEAD' || status === 204 || status === 304;
    const transferEncoding = headers['transfer-encoding'];
    let contentLength: number | undefined;
    if (bodiless) {
      contentLength = 0;
    } else if (transferEncoding !== undefined) {
      // RFC 9112 §6.3: transfer-encoding wins over content-length, and such a connection is not reused.
      if (headers['content-length'] !== undefined) this.closeAfter = true;
      this.mode = lastToken(transferEncoding) === 'chunked' ? 'chunked' : 'until-close';
      if (this.mode === 'until-close') this.closeAfter = true;
    } else if (headers['content-length'] !== undefined) {
      contentLength = parseContentLength(headers['content-length']);
    } else {
      this.mode = 'until-close';
      this.closeAfter = true;
    }
    const given = handler.onResponseStart(status, headers, bodiless ? undefined : contentLength);
    if (this.handler !== handler) return; // aborted from the handler
    if (this.mode === 'chunked') {
      this.decoder = new ChunkedBodyDecoder();
      return;
    }
    if (this.mode === 'until-close') return;
    if (contentLength === 0) {
      this.finish();
      return;
    }
    if (given !== undefined && given.length < contentLength!)
      throw new RangeError('Http1Connection: the body buffer is shorter than the content-length');
    this.target = given ?? Buffer.allocUnsafe(contentLength!);
    this.length = contentLength!;
    this.filled = 0;
    this.mode = 'sized';
    this.takeSized();
  }

  /** Moves body bytes that came in the scratch buffer (with the head) into the target. */
  private takeSized(): void {
    const take = Math.min(this.end - this.start, this.length - this.filled);
    if (take === 0) return;
    this.scratch.copy(this.target!, this.filled, this.start, this.start + take);
    const chunk = this.target!.subarray(this.filled, this.filled + take);
    this.start += take;
    this.filled += take;
    this.handler!.onResponseData(chunk);
    if (this.filled === this.length) this.finish();
  }

  private finish(): void {
    const handler = this.handler;
    if (responseEnd.hasSubscribers && this.request !== undefined) responseEnd.publish(this.describe(this.request));
    const leftover = this.end > this.start;
    const reusable = !this.closeAfter && !leftover && this.requestWritten && this.connected;
    this.handler = undefined;
    this.request = undefined;
    this.target = undefined;
    this.decoder = undefined;
    this.mode = 'idle';
    if (leftover) this.destroy();
    else if (reusable) this.socket.unref();
    this.events.onExchangeDone(this, reusable && !this.closed);
    handler?.onResponseEnd();
  }

  private onEnd(): void {
    if (this.mode === 'until-close' && this.handler !== undefined) {
      this.closeAfter = true;
      this.finish();
      return;
    }
    this.fail(new ConnectionClosedError(this.mode === 'head' ? 'before the response head' : 'before the response body was complete'));
  }

  private onClose(): void {
    this.closed = true;
    clearTimeout(this.connectTimer);
    if (this.handler !== undefined) this.fail(new ConnectionClosedError('before the response was complete'));
    this.events.onClosed(this);
  }

  private fail(error: Error): void {
    const handler = this.handler;
    this.failedUnanswered = handler !== undefined && this.exchanges > 1 && this.answerBytes === 0;
    this.handler = undefined;
    this.mode = 'idle';
    this.destroy();
    handler?.onResponseError(error);
  }
}

function printableName(name: string): string {
  return name.slice(0, 40).replace(/[^\x21-\x7e]/g, '?');
}

function tokens(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value.join(',') : value)
    .split(',')
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== '');
}

function hasToken(value: string | string[] | undefined, token: string): boolean {
  return tokens(value).includes(token);
}

function lastToken(value: string | string[]): string | undefined {
  return tokens(value).at(-1);
}

/** One decimal length; repeats must agree (RFC 9110 §8.6), anything else is refused. */
function parseContentLength(value: string | string[]): number {
  const values = new Set(tokens(value));
  const only = values.size === 1 ? [...values][0]! : undefined;
  if (only === undefined || !/^\d{1,15}$/.test(only)) throw new MalformedResponseError('bad content-length');
  return Number(only);
}

/** `keep-alive: timeout=N` in ms, when the server sent one. */
function keepAliveTimeoutMs(value: string | string[] | undefined): number | undefined {
  for (const token of tokens(value)) {
    const match = /^timeout\s*=\s*(\d+)$/.exec(token);
    if (match) return Number(match[1]) * 1000;
  }
  return undefined;
}
