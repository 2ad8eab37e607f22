import net from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';

/** Socket reads land in one reused buffer of this size per connection (as large as one loopback read gets). */
const READ_BUFFER_BYTES = 64 * 1024;
/** A response head larger than this is refused: nothing the bench talks to sends one. */
const MAX_HEAD_BYTES = 64 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');
const LF = 0x0a;

/** What to send; the load client's `LoadRequest` as it is, so the same object is encoded once. */
export interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer | undefined;
}

export type RawOutcome =
  | {
      kind: 'response';
      status: number;
      headers: IncomingHttpHeaders;
      length: number;
      /** The body as it arrived (copies of the reads), when asked to keep it; joined only by whoever needs it whole. */
      kept: readonly Buffer[] | undefined;
    }
  | { kind: 'failure'; reason: string };

type BodyMode = { type: 'length'; remaining: number } | { type: 'chunked' } | { type: 'until-close' };

/**
 * One keep-alive HTTP/1.1 connection to a loopback server, for the load client's hot loop. Node's
 * `http` client spent ~1.5 ms of CPU reading each 1.9 MB answer on the bench machine (its parser,
 * a Buffer and a stream event per 64 KiB read); this reads into one reused buffer (`onread`) and
 * only counts body bytes, ~0.3 ms. The body is copied out only when the caller asks to keep it.
 * It understands what servers send back to a GET or POST: `content-length`, `chunked` and
 * read-until-close bodies, 1xx heads to skip, and `connection: close`.
 */
export class RawHttpConnection {
  private readonly socket: net.Socket;
  /** Each request's head, encoded once per connection (the load loop sends the same few objects again and again). */
  private readonly heads = new WeakMap<RawRequest, Buffer>();
  private closed = false;
  private failure: string | undefined;
  private pending: { resolve(outcome: RawOutcome): void; keepBody: boolean } | undefined;
  // Parse state of the response in flight.
  private head: Buffer[] = [];
  private headBytes = 0;
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  private mode: BodyMode | undefined;
  private length = 0;
  private kept: Buffer[] = [];
  private closeAfter = false;
  // Chunked framing: the size line being read, bytes left of the chunk, or the trailer section.
  private chunkLine = '';
  private chunkRemaining = 0;
  private chunkState: 'size' | 'data' | 'data-end' | 'trailer' = 'size';

  constructor(
    private readonly port: number,
    private readonly host: string,
    timeoutMs: number,
  ) {
    const readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
    this.socket = net.connect({
      host,
      port,
      noDelay: true,
      onread: { buffer: readBuffer, callback: (bytes) => this.onRead(readBuffer, bytes) },
    });
    this.socket.setTimeout(timeoutMs, () => this.fail('TIMEOUT'));
    this.socket.on('error', (error: NodeJS.ErrnoException) => this.fail(error.code ?? error.message));
    this.socket.on('end', () => this.onEnd());
    this.socket.on('close', () => this.fail('ABORTED'));
  }

  /** False once the connection is closed or was told to close: open a new one for the next request. */
  get reusable(): boolean {
    return !this.closed && this.failure === undefined && !this.closeAfter;
  }

  /** Sends one request and resolves with its response; never rejects. One request at a time. */
  send(request: RawRequest, keepBody: boolean): Promise<RawOutcome> {
    if (this.pending) throw new Error('RawHttpConnection: one request at a time');
    if (!this.reusable) return Promise.resolve({ kind: 'failure', reason: this.failure ?? 'ABORTED' });
    this.resetResponse();
    return new Promise((resolve) => {
      this.pending = { resolve, keepBody };
      let head = this.heads.get(request);
      if (head === undefined) this.heads.set(request, (head = encodeHead(request, `${this.host}:${this.port}`)));
      // Head and body in one `writev`, without copying a body of megabytes into one buffer.
      this.socket.cork();
      this.socket.write(head);
      if (request.body && request.body.length > 0) this.socket.write(request.body);
      this.socket.uncork();
    });
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private resetResponse(): void {
    this.head = [];
    this.headBytes = 0;
    this.status = 0;
    this.headers = {};
    this.mode = undefined;
    this.length = 0;
    this.kept = [];
    this.chunkLine = '';
    this.chunkRemaining = 0;
    this.chunkState = 'size';
  }

  private onRead(buffer: Buffer, bytes: number): boolean {
    let offset = 0;
    while (offset < bytes && this.pending) {
      offset = this.mode === undefined ? this.readHead(buffer, offset, bytes) : this.readBody(buffer, offset, bytes);
    }
    return true;
  }

  /** Consumes head bytes from `buffer[offset, end)`; returns the offset after what it consumed. */
  private readHead(buffer: Buffer, offset: number, end: number): number {
    if (this.head.length === 0) {
      // The usual case: the whole head in this read, found in place.
      const headEnd = buffer.subarray(0, end).indexOf(HEAD_END, offset);
      if (headEnd >= 0) {
        if (!this.parseHead(buffer.toString('latin1', offset, headEnd))) return end;
        return headEnd + HEAD_END.length;
      }
    }
    // A head that straddles reads: keep a copy of what came so far (the read buffer is reused).
    const previous = this.headBytes;
    this.head.push(Buffer.from(buffer.subarray(offset, end)));
    this.headBytes += end - offset;
    const joined = this.head.length === 1 ? this.head[0]! : Buffer.concat(this.head);
    const headEnd = joined.indexOf(HEAD_END, Math.max(0, previous - 3));
    if (headEnd < 0) {
      if (this.headBytes > MAX_HEAD_BYTES) this.fail('HEAD_TOO_LARGE');
      return end;
    }
    this.head = [];
    this.headBytes = 0;
    if (!this.parseHead(joined.toString('latin1', 0, headEnd))) return end;
    return offset + (headEnd + HEAD_END.length - previous);
  }

  private parseHead(text: string): boolean {
    const [statusLine = '', ...lines] = text.split('\r\n');
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
    if (!match) {
      this.fail('BAD_STATUS_LINE');
      return false;
    }
    const status = Number(match[1]);
    if (status >= 100 && status < 200) return true; // an interim head: the real one follows
    const headers: IncomingHttpHeaders = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      const existing = headers[name];
      headers[name] = existing === undefined ? value : `${String(existing)}, ${value}`;
    }
    this.status = status;
    this.headers = headers;
    this.closeAfter = /\bclose\b/i.test(String(headers.connection ?? '')) || statusLine.startsWith('HTTP/1.0');
    const lengthHeader = headers['content-length'];
    if (status === 204 || status === 304) this.mode = { type: 'length', remaining: 0 };
    else if (/\bchunked\b/i.test(String(headers['transfer-encoding'] ?? ''))) this.mode = { type: 'chunked' };
    else if (typeof lengthHeader === 'string' && /^\d+$/.test(lengthHeader))
      this.mode = { type: 'length', remaining: Number(lengthHeader) };
    else {
      this.mode = { type: 'until-close' };
      this.closeAfter = true;
    }
    if (this.mode.type === 'length' && this.mode.remaining === 0) this.complete();
    return true;
  }

  private readBody(buffer: Buffer, offset: number, end: number): number {
    const mode = this.mode!;
    if (mode.type === 'length') {
      const take = Math.min(mode.remaining, end - offset);
      this.take(buffer, offset, take);
      mode.remaining -= take;
      if (mode.remaining === 0) this.complete();
      return offset + take;
    }
    if (mode.type === 'until-close') {
      this.take(buffer, offset, end - offset);
      return end;
    }
    return this.readChunked(buffer, offset, end);
  }

  private readChunked(buffer: Buffer, offset: number, end: number): number {
    while (offset < end && this.pending) {
      if (this.chunkState === 'data') {
        const take = Math.min(this.chunkRemaining, end - offset);
        this.take(buffer, offset, take);
        this.chunkRemaining -= take;
        offset += take;
        if (this.chunkRemaining === 0) this.chunkState = 'data-end';
        continue;
      }
      // Size lines, the CRLF after each chunk's data and trailer lines, a line at a time (a line may straddle reads).
      const newline = buffer.indexOf(LF, offset);
      const stop = newline < 0 || newline >= end ? end : newline;
      this.chunkLine += buffer.toString('latin1', offset, stop);
      if (stop === end) {
        if (this.chunkLine.length > MAX_HEAD_BYTES) this.fail('CHUNK_LINE_TOO_LONG');
        return end;
      }
      offset = stop + 1;
      const line = this.chunkLine.replace(/\r$/, '');
      this.chunkLine = '';
      if (this.chunkState === 'data-end') {
        if (line !== '') this.fail('BAD_CHUNK');
        this.chunkState = 'size';
      } else if (this.chunkState === 'size') {
        const size = Number.parseInt(line.split(';')[0]!.trim(), 16);
        if (!Number.isFinite(size) || size < 0) {
          this.fail('BAD_CHUNK');
          return end;
        }
        this.chunkRemaining = size;
        this.chunkState = size === 0 ? 'trailer' : 'data';
      } else if (line === '') {
        this.complete();
      }
    }
    return offset;
  }

  private take(buffer: Buffer, offset: number, bytes: number): void {
    if (bytes === 0) return;
    this.length += bytes;
    // The read buffer is reused by the next read: a kept body must be copied out of it.
    if (this.pending?.keepBody) this.kept.push(Buffer.from(buffer.subarray(offset, offset + bytes)));
  }

  private complete(): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    const kept = pending.keepBody ? this.kept : undefined;
    this.kept = [];
    if (this.closeAfter) this.close();
    pending.resolve({ kind: 'response', status: this.status, headers: this.headers, length: this.length, kept });
  }

  private onEnd(): void {
    if (this.mode?.type === 'until-close' && this.pending) this.complete();
    this.fail('ABORTED');
  }

  private fail(reason: string): void {
    this.failure ??= reason;
    if (!this.closed) this.close();
    const pending = this.pending;
    this.pending = undefined;
    pending?.resolve({ kind: 'failure', reason: this.failure });
  }
}

function encodeHead(request: RawRequest, host: string): Buffer {
  const lines = [`${request.method} ${request.path} HTTP/1.1`, `host: ${host}`, 'connection: keep-alive'];
  for (const [name, value] of Object.entries(request.headers ?? {})) lines.push(`${name}: ${value}`);
  lines.push(`content-length: ${request.body?.length ?? 0}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}
