import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConnectionClosedError,
  ConnectTimeoutError,
  type Http1Exchange,
  type Http1Request,
} from '../../../../src/providers/common/http1-connection.js';
import { Http1Pool, type Http1PoolOptions } from '../../../../src/providers/common/http1-pool.js';
import { MalformedResponseError } from '../../../../src/providers/common/http1-response-head.js';

/** Bytes that differ from one position to the next (and from one seed to another), so a shifted or stale byte shows. */
function pattern(length: number, seed: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  for (let index = 0; index < length; index += 1) bytes[index] = (index * 31 + seed + (index >>> 9)) & 0xff;
  return bytes;
}

/** `bytes` cut at `cuts`, as views. */
function cut(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  return [0, ...cuts].map((from, index) => bytes.subarray(from, cuts[index] ?? bytes.length));
}

/** ~2 MB, written in pieces that end at odd places (one inside what a first read would get). */
const BIG = pattern(2 * 1024 * 1024 + 123, 7);
const BIG_PIECES = cut(BIG, [1, 1000, 65_537, 700_001, 1_500_000]);
/** Larger than the connection's 64 KiB buffer, so a chunked or unframed body goes round it several times. */
const MEDIUM = pattern(300_000, 3);
const MEDIUM_PIECES = cut(MEDIUM, [5, 70_000, 200_000]);

// ---------------------------------------------------------------------------------------------
// Cleanup: every pool and server a test makes is closed after it, the pools first.

const cleanups: Array<() => unknown> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const POOL_DEFAULTS: Http1PoolOptions = { maxConnectionsPerOrigin: 4, idleTimeoutMs: 30_000, connectTimeoutMs: 5_000 };

function newPool(options: Partial<Http1PoolOptions> = {}): Http1Pool {
  const pool = new Http1Pool({ ...POOL_DEFAULTS, ...options });
  cleanups.push(() => pool.close());
  return pool;
}

// ---------------------------------------------------------------------------------------------
// Bounding waits, so a bug shows as a failure instead of a hang.

/** `promise`, or a rejection naming `what` if it has not settled after `ms` (a guard against hangs, not a timing check). */
async function within<T>(promise: Promise<T>, what: string, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The error `promise` rejects with; the test fails if it resolves (or hangs). */
async function failure(promise: Promise<unknown>, what = 'the request', ms = 5_000): Promise<Error & { code?: unknown }> {
  const outcome = await within(
    promise.then(
      () => new Error('expected the request to fail, but it succeeded'),
      (error: unknown) => ({ error }),
    ),
    what,
    ms,
  );
  if (outcome instanceof Error) throw outcome;
  expect(outcome.error).toBeInstanceOf(Error);
  return outcome.error as Error & { code?: unknown };
}

/** Lets pending I/O callbacks run (a few turns of the event loop). */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 5; turn += 1) await new Promise((resolve) => setImmediate(resolve));
}

// ---------------------------------------------------------------------------------------------
// The client side: one request through the pool, its answer collected.

interface Answer {
  status: number;
  headers: Record<string, string | string[]>;
  contentLength: number | undefined;
  chunks: Buffer[];
  body: Buffer;
}

interface Hooks {
  /** What onResponseStart returns. */
  lend?: (contentLength: number | undefined) => Buffer | undefined;
  onStart?: (exchange: Http1Exchange) => void;
  onData?: (chunk: Buffer, exchange: Http1Exchange) => void;
}

interface Call {
  exchange: Http1Exchange;
  /** 'start', 'data', 'end' and 'error', as the handler heard them. */
  events: string[];
  answer: Promise<Answer>;
}

function call(pool: Http1Pool, url: string, request: Partial<Http1Request> = {}, hooks: Hooks = {}): Call {
  const target = new URL(url);
  const events: string[] = [];
  const chunks: Buffer[] = [];
  let head: Omit<Answer, 'chunks' | 'body'> | undefined;
  let exchange: Http1Exchange | undefined;
  const answer = new Promise<Answer>((resolve, reject) => {
    exchange = pool.request(
      target,
      { method: 'GET', path: `${target.pathname}${target.search}`, headers: {}, body: null, ...request },
      {
        onResponseStart(status, headers, contentLength) {
          events.push('start');
          head = { status, headers, contentLength };
          const given = hooks.lend?.(contentLength);
          hooks.onStart?.(exchange!);
          return given;
        },
        onResponseData(chunk) {
          events.push('data');
          chunks.push(chunk);
          hooks.onData?.(chunk, exchange!);
        },
        onResponseEnd() {
          events.push('end');
          resolve({ ...head!, chunks, body: Buffer.concat(chunks) });
        },
        onResponseError(error) {
          events.push('error');
          reject(error);
        },
      },
    );
  });
  // A test that only looks at the events must not leave an unhandled rejection behind.
  answer.catch(() => {});
  return { exchange: exchange!, events, answer };
}

function get(pool: Http1Pool, url: string, request: Partial<Http1Request> = {}): Promise<Answer> {
  return within(call(pool, url, request).answer, `${request.method ?? 'GET'} ${url}`);
}

// ---------------------------------------------------------------------------------------------
// The server side: real servers on 127.0.0.1 that count their connections.

class Connections {
  /** Connections accepted so far. */
  opened = 0;
  open = 0;
  maxOpen = 0;
  readonly sockets: Socket[] = [];
  /** Per connection, in order: resolves once it has closed. */
  readonly closed: Array<Promise<void>> = [];
  private readonly arrivals: Array<() => void> = [];

  track(socket: Socket): number {
    const index = this.opened;
    this.opened += 1;
    this.open += 1;
    this.maxOpen = Math.max(this.maxOpen, this.open);
    this.sockets.push(socket);
    // A client that hangs up mid-write is expected here.
    socket.on('error', () => {});
    this.closed.push(
      new Promise((resolve) =>
        socket.once('close', () => {
          this.open -= 1;
          resolve();
        }),
      ),
    );
    for (const arrived of this.arrivals.splice(0)) arrived();
    return index;
  }

  /** Resolves once connection `index` has been accepted and then closed; fails the test if that does not happen. */
  closedAt(index: number): Promise<void> {
    const closed = async () => {
      while (this.closed[index] === undefined) await new Promise<void>((resolve) => this.arrivals.push(resolve));
      await this.closed[index];
    };
    return within(closed(), `the server seeing connection ${index} close`);
  }
}

async function listen(server: NetServer, connections: Connections): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const socket of connections.sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as AddressInfo).port;
}

interface WatchedServer {
  url: string;
  connections: Connections;
  /** `METHOD /path` of each request, in the order the server got them. */
  seen: string[];
}

type HttpHandler = (request: IncomingMessage, response: ServerResponse) => void;

async function httpServer(handler: HttpHandler, configure?: (server: HttpServer) => void): Promise<WatchedServer> {
  const connections = new Connections();
  const seen: string[] = [];
  const server = createHttpServer((request, response) => {
    seen.push(`${request.method} ${request.url}`);
    handler(request, response);
  });
  configure?.(server);
  server.on('connection', (socket: Socket) => connections.track(socket));
  const port = await listen(server, connections);
  return { url: `http://127.0.0.1:${port}`, connections, seen };
}

interface RawRequest {
  method: string;
  path: string;
  /** The head as it came, without its blank line. */
  head: string;
  /** Field names as sent. */
  fields: Array<[string, string]>;
  body: Buffer;
  /** Which connection (in order of arrival) carried it. */
  connection: number;
}

interface RawServer extends WatchedServer {
  requests: RawRequest[];
}

/** Sends `respond`'s exact bytes for each request, once its head and `content-length` body have arrived. */
type Respond = (socket: Socket, request: RawRequest, index: number) => void;

async function rawServer(respond: Respond): Promise<RawServer> {
  const connections = new Connections();
  const requests: RawRequest[] = [];
  const seen: string[] = [];
  const server = createNetServer((socket) => {
    const connection = connections.track(socket);
    let pending = Buffer.alloc(0);
    socket.on('data', (data: Buffer) => {
      pending = Buffer.concat([pending, data]);
      for (;;) {
        const blank = pending.indexOf('\r\n\r\n');
        if (blank < 0) return;
        const head = pending.toString('latin1', 0, blank);
        const [requestLine = '', ...lines] = head.split('\r\n');
        const fields = lines.map((line): [string, string] => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]);
        const length = Number(fields.find(([name]) => name.toLowerCase() === 'content-length')?.[1] ?? '0');
        if (pending.length < blank + 4 + length) return;
        const body = Buffer.from(pending.subarray(blank + 4, blank + 4 + length));
        pending = pending.subarray(blank + 4 + length);
        const [method = '', path = ''] = requestLine.split(' ');
        const request = { method, path, head, fields, body, connection };
        requests.push(request);
        seen.push(`${method} ${path}`);
        respond(socket, request, requests.length - 1);
      }
    });
  });
  const port = await listen(server, connections);
  return { url: `http://127.0.0.1:${port}`, connections, seen, requests };
}

/** An HTTP/1.1 200 with a content-length, and `fields` (CRLF-terminated lines) before it. */
function ok(body: string, fields = ''): string {
  return `HTTP/1.1 200 OK\r\n${fields}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** A port on 127.0.0.1 with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// ---------------------------------------------------------------------------------------------

describe('Http1Pool reads a response body', () => {
  it('with a content-length, written in pieces, byte for byte into the buffer onResponseStart returned', async () => {
    const server = await httpServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(BIG.length) });
      for (const piece of BIG_PIECES) response.write(piece);
      response.end();
    });
    const lent: Array<number | undefined> = [];
    let given: Buffer | undefined;
    const answer = await within(
      call(newPool(), `${server.url}/big`, {}, { lend: (length) => (lent.push(length), (given = Buffer.alloc((length ?? 0) + 10, 0xee))) })
        .answer,
      'the big body',
    );
    expect(answer.status).toBe(200);
    expect(answer.contentLength).toBe(BIG.length);
    expect(lent).toEqual([BIG.length]);
    expect(answer.chunks.length).toBeGreaterThan(1);
    // Every chunk a view of the lent buffer, each one right after the last.
    let offset = 0;
    for (const chunk of answer.chunks) {
      expect(chunk.buffer).toBe(given!.buffer);
      expect(chunk.byteOffset).toBe(given!.byteOffset + offset);
      offset += chunk.length;
    }
    expect(offset).toBe(BIG.length);
    expect(answer.body.equals(BIG)).toBe(true);
    expect(given!.subarray(0, BIG.length).equals(BIG)).toBe(true);
    // Nothing written past the content-length.
    expect(given!.subarray(BIG.length).equals(Buffer.alloc(10, 0xee))).toBe(true);
  });

  it('with a content-length, into one buffer of its own when onResponseStart returns none', async () => {
    const server = await httpServer((_request, response) => {
      response.writeHead(200, { 'content-length': String(BIG.length) });
      for (const piece of BIG_PIECES) response.write(piece);
      response.end();
    });
    const answer = await get(newPool(), `${server.url}/big`);
    expect(answer.chunks.length).toBeGreaterThan(1);
    expect(answer.chunks.every((chunk) => chunk.buffer === answer.chunks[0]!.buffer)).toBe(true);
    expect(answer.body.equals(BIG)).toBe(true);
  });

  it('with a content-length, refusing a buffer shorter than it', async () => {
    const server = await httpServer((_request, response) => response.writeHead(200, { 'content-length': '10' }).end('0123456789'));
    const error = await failure(call(newPool(), `${server.url}/`, {}, { lend: () => Buffer.alloc(9) }).answer);
    expect(error).toBeInstanceOf(RangeError);
  });

  it('chunked, byte for byte, in copies that stay valid', async () => {
    const server = await httpServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      for (const piece of MEDIUM_PIECES) response.write(piece);
      response.end();
    });
    const answer = await get(newPool(), `${server.url}/chunked`);
    expect(answer.headers['transfer-encoding']).toBe('chunked');
    expect(answer.contentLength).toBeUndefined();
    expect(answer.chunks.length).toBeGreaterThan(1);
    // Joined only now, after every read: a chunk that were a view of the connection's buffer would have been overwritten.
    expect(answer.body.equals(MEDIUM)).toBe(true);
  });

  it('delimited by the connection closing, byte for byte, and that connection is not reused', async () => {
    const server = await rawServer((socket, request) => {
      if (request.connection > 0) {
        socket.write(ok('second'));
        return;
      }
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\n\r\n');
      for (const piece of MEDIUM_PIECES) socket.write(piece);
      socket.end();
    });
    const pool = newPool();
    const answer = await get(pool, `${server.url}/until-close`);
    expect(answer.contentLength).toBeUndefined();
    expect(answer.body.equals(MEDIUM)).toBe(true);
    expect((await get(pool, `${server.url}/next`)).body.toString()).toBe('second');
    expect(server.requests.map((request) => request.connection)).toEqual([0, 1]);
    await server.connections.closedAt(0);
  });

  it('after 100 and 103 informational answers, which are skipped', async () => {
    const server = await httpServer((_request, response) => {
      response.writeContinue();
      response.writeEarlyHints({ link: '</a.png>; rel=preload', 'content-length': '99999' });
      response.writeHead(200, { 'content-length': '5', 'x-final': 'yes' });
      response.end('hello');
    });
    const pool = newPool();
    const { events, answer } = call(pool, `${server.url}/hints`);
    const final = await within(answer, 'the final answer');
    expect(events.filter((event) => event === 'start')).toHaveLength(1);
    expect(final.status).toBe(200);
    expect(final.headers['x-final']).toBe('yes');
    expect(final.headers['link']).toBeUndefined();
    expect(final.body.toString()).toBe('hello');
    // The connection read exactly to the end of the answer: it carries the next one.
    expect((await get(pool, `${server.url}/again`)).body.toString()).toBe('hello');
    expect(server.connections.opened).toBe(1);
  });

  it('after informational answers that arrive in the same packet as the final one', async () => {
    const server = await rawServer((socket) =>
      socket.write(`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a.png>\r\n\r\n${ok('hello', 'x-final: yes\r\n')}`),
    );
    const final = await get(newPool(), `${server.url}/`);
    expect([final.status, final.headers['x-final'], final.body.toString()]).toEqual([200, 'yes', 'hello']);
  });

  it('none for a 204 or a 304, even with a content-length, and the connection carries the next request', async () => {
    const server = await rawServer((socket, request) => {
      if (request.path === '/204') socket.write('HTTP/1.1 204 No Content\r\ncontent-length: 5\r\n\r\n');
      else if (request.path === '/304') socket.write('HTTP/1.1 304 Not Modified\r\netag: "x"\r\ncontent-length: 1234\r\n\r\n');
      else socket.write(ok('after'));
    });
    const pool = newPool();
    for (const status of [204, 304]) {
      const { events, answer } = call(pool, `${server.url}/${status}`);
      const response = await within(answer, `the ${status}`);
      expect(response.status).toBe(status);
      expect(response.contentLength).toBeUndefined();
      expect(response.body.length).toBe(0);
      expect(events).toEqual(['start', 'end']);
    }
    expect((await get(pool, `${server.url}/after`)).body.toString()).toBe('after');
    expect(server.connections.opened).toBe(1);
  });

  it('none for a HEAD request, whatever its content-length says', async () => {
    const server = await rawServer((socket, request) =>
      socket.write(request.method === 'HEAD' ? 'HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n' : ok('after')),
    );
    const pool = newPool();
    const head = await get(pool, `${server.url}/`, { method: 'HEAD' });
    expect([head.status, head.headers['content-length'], head.body.length]).toEqual([200, '1000', 0]);
    expect((await get(pool, `${server.url}/`)).body.toString()).toBe('after');
    expect(server.connections.opened).toBe(1);
  });

  it('an empty one for a 200 with content-length 0', async () => {
    const server = await httpServer((_request, response) => response.writeHead(200, { 'content-length': '0' }).end());
    const { events, answer } = call(newPool(), `${server.url}/empty`);
    const response = await within(answer, 'the empty answer');
    expect([response.status, response.contentLength, response.body.length]).toEqual([200, 0, 0]);
    expect(events).toEqual(['start', 'end']);
  });
});

describe('Http1Pool keeps connections alive', () => {
  it('two sequential requests go over one TCP connection', async () => {
    const server = await httpServer((request, response) =>
      response.writeHead(200, { 'content-length': '2' }).end(request.url === '/a' ? 'aa' : 'bb'),
    );
    const pool = newPool();
    expect((await get(pool, `${server.url}/a`)).body.toString()).toBe('aa');
    expect((await get(pool, `${server.url}/b`)).body.toString()).toBe('bb');
    expect(server.connections.opened).toBe(1);
    expect(server.seen).toEqual(['GET /a', 'GET /b']);
  });

  it('after a sized, a chunked and an empty answer alike, over one connection', async () => {
    const server = await httpServer((request, response) => {
      if (request.url === '/chunked') {
        response.writeHead(200);
        for (const piece of MEDIUM_PIECES) response.write(piece);
        response.end();
      } else if (request.url === '/empty') response.writeHead(204).end();
      else response.writeHead(200, { 'content-length': String(MEDIUM.length) }).end(MEDIUM);
    });
    const pool = newPool();
    for (const path of ['/sized', '/chunked', '/empty', '/chunked', '/sized']) {
      const answer = await get(pool, `${server.url}${path}`);
      expect(answer.body.equals(path === '/empty' ? Buffer.alloc(0) : MEDIUM)).toBe(true);
    }
    expect(server.connections.opened).toBe(1);
  });

  it('over a raw server that frames its answers well (the control for the cases below)', async () => {
    const server = await rawServer((socket, _request, index) => socket.write(ok(`answer ${index}`)));
    const pool = newPool();
    expect((await get(pool, `${server.url}/`)).body.toString()).toBe('answer 0');
    expect((await get(pool, `${server.url}/`)).body.toString()).toBe('answer 1');
    expect(server.requests.map((request) => request.connection)).toEqual([0, 0]);
  });

  it.each([
    ['a response with connection: close', ok('first', 'Connection: keep-alive, Close\r\n')],
    ['an HTTP/1.0 response', 'HTTP/1.0 200 OK\r\ncontent-length: 5\r\n\r\nfirst'],
    [
      'an HTTP/1.0 response, even one that asks for keep-alive',
      'HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 5\r\n\r\nfirst',
    ],
    ['a response whose keep-alive: timeout=1 leaves nothing after the 1 s margin', ok('first', 'keep-alive: timeout=1\r\n')],
    ['a response followed by bytes nobody asked for (a second response)', `${ok('first')}${ok('stray')}`],
  ])('not after %s: the next request opens another, and the client closes the first', async (_what, firstResponse) => {
    // The server never closes a connection itself: only the client can.
    const server = await rawServer((socket, request) => socket.write(request.connection === 0 ? firstResponse : ok('second')));
    const pool = newPool();
    expect((await get(pool, `${server.url}/first`)).body.toString()).toBe('first');
    // At once: a connection kept even for a moment would carry this request (and answer 'first').
    expect((await get(pool, `${server.url}/second`)).body.toString()).toBe('second');
    expect(server.requests.map((request) => request.connection)).toEqual([0, 1]);
    await server.connections.closedAt(0);
  });

  it('not after a response with both transfer-encoding and content-length, which is read as chunked', async () => {
    const server = await rawServer((socket, request) =>
      socket.write(
        request.connection === 0
          ? 'HTTP/1.1 200 OK\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'
          : ok('second'),
      ),
    );
    const pool = newPool();
    const first = await get(pool, `${server.url}/first`);
    expect(first.body.toString()).toBe('hello');
    expect(first.contentLength).toBeUndefined();
    expect((await get(pool, `${server.url}/second`)).body.toString()).toBe('second');
    expect(server.requests.map((request) => request.connection)).toEqual([0, 1]);
    await server.connections.closedAt(0);
  });

  it('when the server allows more than the 1 s margin (keep-alive: timeout=2)', async () => {
    const server = await rawServer((socket, _request, index) => socket.write(ok(`answer ${index}`, 'Keep-Alive: timeout=2, max=100\r\n')));
    const pool = newPool();
    await get(pool, `${server.url}/`);
    expect((await get(pool, `${server.url}/`)).body.toString()).toBe('answer 1');
    expect(server.connections.opened).toBe(1);
  });

  it('until idleTimeoutMs has passed with nothing to carry', async () => {
    const server = await rawServer((socket, _request, index) => socket.write(ok(`answer ${index}`)));
    const pool = newPool({ idleTimeoutMs: 50 });
    await get(pool, `${server.url}/`);
    await server.connections.closedAt(0);
    expect((await get(pool, `${server.url}/`)).body.toString()).toBe('answer 1');
    expect(server.connections.opened).toBe(2);
  });

  it('and notices when the server closes an idle one: the next request opens a new connection and succeeds', async () => {
    const server = await rawServer((socket, _request, index) => socket.write(ok(`answer ${index}`)));
    const pool = newPool();
    await get(pool, `${server.url}/`);
    // The server hangs up its side; its 'close' comes once the client has answered with its own.
    server.connections.sockets[0]!.end();
    await server.connections.closedAt(0);
    await settle();
    // A POST, which is never sent twice: it succeeds only if the pool did not try the closed connection first.
    expect((await get(pool, `${server.url}/`, { method: 'POST', body: 'x' })).body.toString()).toBe('answer 1');
    expect(server.requests.map((request) => request.connection)).toEqual([0, 1]);
  });
});

describe('Http1Pool limits the connections to an origin', () => {
  it('to maxConnectionsPerOrigin: five concurrent requests over two connections, all answered', async () => {
    const server = await httpServer((request, response) => {
      // Answers a little later, so that the requests overlap.
      setTimeout(() => response.writeHead(200, { 'content-length': String(request.url!.length) }).end(request.url), 20);
    });
    const pool = newPool({ maxConnectionsPerOrigin: 2 });
    const paths = ['/0', '/1', '/22', '/333', '/4444'];
    const answers = await within(Promise.all(paths.map((path) => call(pool, `${server.url}${path}`).answer)), 'five requests');
    expect(answers.map((answer) => answer.body.toString())).toEqual(paths);
    expect(server.connections.maxOpen).toBe(2);
    expect(server.connections.opened).toBe(2);
    expect([...server.seen].sort()).toEqual(paths.map((path) => `GET ${path}`));
  });

  it('and a request aborted while it waits for a connection is never sent', async () => {
    let release: (() => void) | undefined;
    const server = await httpServer((request, response) => {
      const answer = () => response.writeHead(200, { 'content-length': String(request.url!.length) }).end(request.url);
      if (request.url === '/slow') release = answer;
      else answer();
    });
    const pool = newPool({ maxConnectionsPerOrigin: 1 });
    const slow = call(pool, `${server.url}/slow`);
    const waiting = call(pool, `${server.url}/never`);
    await expect.poll(() => release).toBeDefined();
    waiting.exchange.abort(new Error('no longer wanted'));
    release!();
    expect((await within(slow.answer, '/slow')).body.toString()).toBe('/slow');
    expect((await get(pool, `${server.url}/after`)).body.toString()).toBe('/after');
    expect(server.seen).toEqual(['GET /slow', 'GET /after']);
    expect(waiting.events).toEqual([]);
  });

  it('and a request aborted before it is dispatched is never sent', async () => {
    const server = await httpServer((request, response) => response.writeHead(200, { 'content-length': '0' }).end());
    const pool = newPool();
    const aborted = call(pool, `${server.url}/never`);
    aborted.exchange.abort(new Error('changed my mind'));
    await get(pool, `${server.url}/after`);
    expect(server.seen).toEqual(['GET /after']);
    expect(aborted.events).toEqual([]);
  });
});

describe('Http1Pool aborts an exchange', () => {
  it('mid-body: the socket is closed, the handler hears nothing more, and the next request gets a new connection', async () => {
    const server = await httpServer((request, response) => {
      if (request.url === '/stall') {
        // A third of the body, then nothing: the connection stays open.
        response.writeHead(200, { 'content-length': String(MEDIUM.length) });
        response.write(MEDIUM_PIECES[0]);
        response.write(MEDIUM_PIECES[1]);
      } else response.writeHead(200, { 'content-length': '4' }).end('next');
    });
    const pool = newPool();
    let gotData: () => void = () => {};
    const dataArrived = new Promise<void>((resolve) => (gotData = resolve));
    const stalled = call(pool, `${server.url}/stall`, {}, { onData: () => gotData() });
    await within(dataArrived, 'the first body bytes');
    stalled.exchange.abort(new Error('gone'));
    const heard = stalled.events.length;
    await server.connections.closedAt(0);
    await settle();
    expect(stalled.events.length).toBe(heard);
    expect(stalled.events).not.toContain('end');
    expect(stalled.events).not.toContain('error');
    expect((await get(pool, `${server.url}/next`)).body.toString()).toBe('next');
    expect(server.connections.opened).toBe(2);
  });

  it('from onResponseData while more of the body is arriving: nothing after it reaches the handler', async () => {
    const server = await httpServer((_request, response) => response.writeHead(200, { 'content-length': String(BIG.length) }).end(BIG));
    const { events } = call(newPool(), `${server.url}/big`, {}, { onData: (_chunk, exchange) => exchange.abort(new Error('enough')) });
    await server.connections.closedAt(0);
    await settle();
    expect(events).toEqual(['start', 'data']);
  });

  it('from onResponseStart: no body is read and the socket is closed', async () => {
    const server = await httpServer((_request, response) => response.writeHead(200, { 'content-length': String(BIG.length) }).end(BIG));
    const { events } = call(newPool(), `${server.url}/big`, {}, { onStart: (exchange) => exchange.abort(new Error('not this one')) });
    await server.connections.closedAt(0);
    await settle();
    expect(events).toEqual(['start']);
  });

  it('a second abort, or one after the end, changes nothing', async () => {
    const server = await httpServer((_request, response) => response.writeHead(200, { 'content-length': '2' }).end('ok'));
    const pool = newPool();
    const done = call(pool, `${server.url}/`);
    await within(done.answer, 'the answer');
    done.exchange.abort(new Error('late'));
    done.exchange.abort(new Error('later'));
    // The connection the finished exchange used is still good.
    await get(pool, `${server.url}/`);
    expect(server.connections.opened).toBe(1);
    expect(done.events).toEqual(['start', 'data', 'end']);
  });
});

describe('Http1Pool refuses a malformed response', () => {
  it('with a head larger than 64 KiB', async () => {
    const server = await rawServer((socket) =>
      socket.write(`HTTP/1.1 200 OK\r\nx-big: ${'a'.repeat(70_000)}\r\ncontent-length: 0\r\n\r\n`),
    );
    const error = await failure(call(newPool(), `${server.url}/`).answer);
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error.message).toContain('larger than 65536 bytes');
    await server.connections.closedAt(0);
  });

  it('but reads a head just under 64 KiB', async () => {
    const value = 'a'.repeat(60_000);
    const server = await rawServer((socket) => socket.write(ok('fine', `x-big: ${value}\r\n`)));
    const answer = await get(newPool(), `${server.url}/`);
    expect(answer.headers['x-big']).toBe(value);
    expect(answer.body.toString()).toBe('fine');
  });

  it('with a head over 64 KiB that comes after an informational answer', async () => {
    const server = await rawServer((socket) =>
      socket.write(`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nx-big: ${'a'.repeat(70_000)}\r\ncontent-length: 0\r\n\r\n`),
    );
    expect(await failure(call(newPool(), `${server.url}/`).answer)).toBeInstanceOf(MalformedResponseError);
  });

  it.each([
    ['not a number', 'content-length: abc\r\n'],
    ['negative', 'content-length: -1\r\n'],
    ['empty', 'content-length: \r\n'],
    ['two different values on two lines', 'content-length: 5\r\ncontent-length: 6\r\n'],
    ['two different values in one list', 'content-length: 5, 6\r\n'],
  ])('with a content-length that is %s', async (_what, fields) => {
    const server = await rawServer((socket) => socket.write(`HTTP/1.1 200 OK\r\n${fields}\r\nhello`));
    const error = await failure(call(newPool(), `${server.url}/`).answer);
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error.message).toContain('bad content-length');
    await server.connections.closedAt(0);
  });

  it('but reads a content-length repeated with the same value', async () => {
    const server = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 5\r\nContent-Length: 5, 5\r\n\r\nhello'));
    expect((await get(newPool(), `${server.url}/`)).body.toString()).toBe('hello');
  });

  it('with a broken status line or header, closing the connection', async () => {
    const server = await rawServer((socket, request) =>
      socket.write(request.path === '/status' ? 'HTTP/2 200\r\n\r\n' : 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n folded\r\n\r\nok'),
    );
    const pool = newPool();
    expect(await failure(call(pool, `${server.url}/status`).answer)).toBeInstanceOf(MalformedResponseError);
    await server.connections.closedAt(0);
    expect(await failure(call(pool, `${server.url}/fold`).answer)).toBeInstanceOf(MalformedResponseError);
    await server.connections.closedAt(1);
  });

  it('with a broken chunked body', async () => {
    const server = await rawServer((socket) =>
      socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n'),
    );
    expect(await failure(call(newPool(), `${server.url}/`).answer)).toBeInstanceOf(MalformedResponseError);
  });

  it('that switches protocols (101) unasked', async () => {
    const server = await rawServer((socket) => socket.write('HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n'));
    expect(await failure(call(newPool(), `${server.url}/`).answer)).toBeInstanceOf(MalformedResponseError);
  });

  it('cut short of its content-length, as a closed connection', async () => {
    const server = await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhello'));
    expect(await failure(call(newPool(), `${server.url}/`).answer)).toBeInstanceOf(ConnectionClosedError);
  });

  it('cut before its head, as a closed connection', async () => {
    const server = await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-'));
    const error = await failure(call(newPool(), `${server.url}/`).answer);
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error.message).toBe('connection closed before the response head');
  });
});

describe('Http1Pool sends the request', () => {
  /** Answers every request with an empty 200, keeping what it got. */
  const recorder = () => rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'));
  const named = (request: RawRequest, name: string) => request.fields.filter(([field]) => field.toLowerCase() === name);

  it('with its method, path and query, a host with the port, and the caller’s headers as given', async () => {
    const server = await recorder();
    const pool = newPool();
    await get(pool, `${server.url}/v1/images/generations?size=1024x1024&n=2&q=a%20b`, {
      headers: { Authorization: 'Bearer secret', 'X-Custom': 'a  b', accept: 'application/json' },
    });
    const [request] = server.requests;
    const port = new URL(server.url).port;
    expect(request!.head.split('\r\n')[0]).toBe('GET /v1/images/generations?size=1024x1024&n=2&q=a%20b HTTP/1.1');
    expect(named(request!, 'host')).toEqual([['host', `127.0.0.1:${port}`]]);
    expect(named(request!, 'authorization')).toEqual([['Authorization', 'Bearer secret']]);
    expect(named(request!, 'x-custom')).toEqual([['X-Custom', 'a  b']]);
    expect(named(request!, 'accept')).toEqual([['accept', 'application/json']]);
    // A GET without a body says nothing about one.
    expect(named(request!, 'content-length')).toEqual([]);
    expect(named(request!, 'transfer-encoding')).toEqual([]);
    expect(request!.fields).toHaveLength(4);
  });

  it('never with a header whose value would add a line: the request fails without reaching the server', async () => {
    const server = await recorder();
    const pool = newPool();
    const error = await failure(get(pool, `${server.url}/injected`, { headers: { authorization: 'Bearer sk-1\r\nx-injected: yes' } }));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toContain("'authorization'");
    expect(error.message).not.toContain('sk-1');
    const badName = await failure(get(pool, `${server.url}/bad-name`, { headers: { 'x bad': 'value' } }));
    expect(badName).toBeInstanceOf(TypeError);
    // The next request still goes out, alone.
    await get(pool, `${server.url}/after`);
    expect(server.requests.map((request) => request.path)).toEqual(['/after']);
  });

  it('with a string body as UTF-8 and its length in bytes', async () => {
    const server = await recorder();
    const body = '{"prompt":"un café ☕ à 3 €"}';
    await get(newPool(), `${server.url}/json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const [request] = server.requests;
    expect(request!.method).toBe('POST');
    expect(named(request!, 'content-length')).toEqual([['content-length', String(Buffer.byteLength(body))]]);
    expect(Buffer.byteLength(body)).toBeGreaterThan(body.length);
    expect(request!.body.equals(Buffer.from(body, 'utf8'))).toBe(true);
  });

  it('with content-length 0 for an empty or absent body of a POST or PUT, and none for a DELETE without one', async () => {
    const server = await recorder();
    const pool = newPool();
    await get(pool, `${server.url}/empty-string`, { method: 'POST', body: '' });
    await get(pool, `${server.url}/empty-buffer`, { method: 'POST', body: Buffer.alloc(0) });
    await get(pool, `${server.url}/null`, { method: 'POST', body: null });
    await get(pool, `${server.url}/put`, { method: 'PUT', body: null });
    await get(pool, `${server.url}/delete`, { method: 'DELETE', body: null });
    expect(
      server.requests.map((request) => [request.method, request.path, named(request, 'content-length').map(([, value]) => value)]),
    ).toEqual([
      ['POST', '/empty-string', ['0']],
      ['POST', '/empty-buffer', ['0']],
      ['POST', '/null', ['0']],
      ['PUT', '/put', ['0']],
      ['DELETE', '/delete', []],
    ]);
    expect(server.requests.every((request) => request.body.length === 0)).toBe(true);
  });

  it('and reuses the connection after a request with an empty body', async () => {
    const server = await recorder();
    const pool = newPool();
    await get(pool, `${server.url}/empty-string`, { method: 'POST', body: '' });
    await get(pool, `${server.url}/after`);
    expect(server.requests.map((request) => request.connection)).toEqual([0, 0]);
  });

  it('with a Buffer[] body written part after part, byte for byte, as often as it is sent', async () => {
    const server = await recorder();
    const file = pattern(200_000, 11);
    const parts = [
      Buffer.from('--boundary\r\ncontent-disposition: form-data; name="prompt"\r\n\r\na cat\r\n'),
      Buffer.from('--boundary\r\ncontent-disposition: form-data; name="image"; filename="a.png"\r\ncontent-type: image/png\r\n\r\n'),
      file,
      Buffer.from('\r\n--boundary--\r\n'),
    ];
    const copies = parts.map((part) => Buffer.from(part));
    const expected = Buffer.concat(parts);
    const pool = newPool();
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await get(pool, `${server.url}/edits`, {
        method: 'POST',
        headers: { 'content-type': 'multipart/form-data; boundary=boundary' },
        body: parts,
      });
    }
    for (const request of server.requests) {
      expect(named(request, 'content-length')).toEqual([['content-length', String(expected.length)]]);
      expect(request.body.equals(expected)).toBe(true);
    }
    expect(server.requests).toHaveLength(2);
    expect(parts.every((part, index) => part.equals(copies[index]!))).toBe(true);
  });

  it('with its own host and content-length, never the caller’s, and without its transfer-encoding or connection', async () => {
    const server = await recorder();
    const pool = newPool();
    const callerHeaders = {
      Host: 'evil.example',
      'Content-Length': '999',
      'Transfer-Encoding': 'chunked',
      Connection: 'close',
      'x-kept': 'yes',
    };
    await get(pool, `${server.url}/post`, { method: 'POST', headers: callerHeaders, body: 'hello' });
    await get(pool, `${server.url}/get`, { method: 'GET', headers: callerHeaders });
    const port = new URL(server.url).port;
    const [post, plain] = server.requests;
    expect(named(post!, 'host')).toEqual([['host', `127.0.0.1:${port}`]]);
    expect(named(post!, 'content-length')).toEqual([['content-length', '5']]);
    expect(named(post!, 'transfer-encoding')).toEqual([]);
    expect(named(post!, 'connection').length).toBeLessThanOrEqual(1);
    expect(named(post!, 'x-kept')).toEqual([['x-kept', 'yes']]);
    expect(post!.body.toString()).toBe('hello');
    // A GET without a body gets no content-length, even when the caller gave one.
    expect(named(plain!, 'content-length')).toEqual([]);
    expect(named(plain!, 'host')).toEqual([['host', `127.0.0.1:${port}`]]);
  });
});

describe('Http1Pool reports connection failures', () => {
  it('nothing listening: an error whose code is ECONNREFUSED, for a waiting request too', async () => {
    const port = await closedPort();
    const pool = newPool({ maxConnectionsPerOrigin: 1 });
    const first = call(pool, `http://127.0.0.1:${port}/`);
    const second = call(pool, `http://127.0.0.1:${port}/`);
    expect((await failure(first.answer)).code).toBe('ECONNREFUSED');
    expect((await failure(second.answer)).code).toBe('ECONNREFUSED');
  });

  it('a TLS handshake that never completes: a ConnectTimeoutError, and the socket is closed', async () => {
    // A TCP server that accepts and never answers the ClientHello: the connection is never up.
    const silent = await rawServer(() => {});
    const pool = newPool({ connectTimeoutMs: 100 });
    const error = await failure(call(pool, silent.url.replace('http:', 'https:')).answer);
    expect(error).toBeInstanceOf(ConnectTimeoutError);
    expect(error.message).toBe('connect timed out after 100 ms');
    expect(error.code).toBe('IMAGEROUTER_CONNECT_TIMEOUT');
    await silent.connections.closedAt(0);
  });

  it('a non-routable address: a ConnectTimeoutError or a network error, never a hang', async () => {
    // Where the address is black-holed, only the connect timer can end this. Some sandboxes answer
    // it at once instead (a transparent proxy): an answer is then accepted too, but silence never is.
    const pool = newPool({ connectTimeoutMs: 50 });
    const { exchange, answer } = call(pool, 'http://10.255.255.1:9/');
    const outcome = await Promise.race([
      answer.then(
        () => 'answered',
        (error: unknown) => error,
      ),
      new Promise((resolve) => setTimeout(() => resolve('nothing within 2 s'), 2_000)),
    ]);
    exchange.abort(new Error('test over'));
    if (outcome instanceof ConnectTimeoutError) expect(outcome.message).toBe('connect timed out after 50 ms');
    else if (outcome instanceof Error) expect((outcome as Error & { code?: unknown }).code).toMatch(/^E[A-Z]+$/);
    else expect(outcome).toBe('answered');
  });

  it('an unsupported protocol: a TypeError at once', () => {
    const pool = newPool();
    expect(() => pool.request(new URL('ftp://127.0.0.1/'), { method: 'GET', path: '/', headers: {}, body: null }, silentHandler())).toThrow(
      TypeError,
    );
  });
});

describe('Http1Pool sends a request again when a reused connection fails before any answer', () => {
  /** Answers with an empty 200 naming the path and the connection, except where `hangUp` says to close unanswered. */
  const answering = (hangUp: (request: RawRequest) => boolean) =>
    rawServer((socket, request) => {
      if (hangUp(request)) socket.destroy();
      else socket.write(`HTTP/1.1 200 OK\r\nx-answer: ${request.path} on ${request.connection}\r\ncontent-length: 0\r\n\r\n`);
    });

  it.each(['GET', 'HEAD', 'PUT', 'DELETE'] as const)('once, on a fresh connection, for a %s', async (method) => {
    // The server closes the kept connection just as the second request reaches it.
    const server = await answering((request) => request.connection === 0 && request.path === '/second');
    const pool = newPool();
    await get(pool, `${server.url}/first`);
    const { events, answer } = call(pool, `${server.url}/second`, { method });
    expect((await within(answer, 'the retried request')).headers['x-answer']).toBe('/second on 1');
    expect(events).toEqual(['start', 'end']);
    expect(server.seen).toEqual(['GET /first', `${method} /second`, `${method} /second`]);
  });

  it('waiting for the failed connection’s place when the origin has no other', async () => {
    const server = await answering((request) => request.connection === 0 && request.path === '/second');
    const pool = newPool({ maxConnectionsPerOrigin: 1 });
    await get(pool, `${server.url}/first`);
    expect((await get(pool, `${server.url}/second`)).headers['x-answer']).toBe('/second on 1');
  });

  it('never for a POST: the error is the caller’s', async () => {
    const server = await answering((request) => request.method === 'POST');
    const pool = newPool();
    await get(pool, `${server.url}/first`);
    expect(await failure(call(pool, `${server.url}/create`, { method: 'POST', body: 'x' }).answer)).toBeInstanceOf(ConnectionClosedError);
    expect(server.seen).toEqual(['GET /first', 'POST /create']);
  });

  it('not twice: when the fresh connection fails too, the caller hears the error', async () => {
    const server = await answering((request) => request.path === '/second');
    const pool = newPool();
    await get(pool, `${server.url}/first`);
    expect(await failure(call(pool, `${server.url}/second`).answer)).toBeInstanceOf(ConnectionClosedError);
    expect(server.seen).toEqual(['GET /first', 'GET /second', 'GET /second']);
  });

  it('not when the connection was new', async () => {
    const server = await answering(() => true);
    expect(await failure(call(newPool(), `${server.url}/only`).answer)).toBeInstanceOf(ConnectionClosedError);
    expect(server.seen).toEqual(['GET /only']);
  });

  it('not when part of the answer had arrived', async () => {
    const server = await rawServer((socket, request) => {
      if (request.path === '/first') socket.write(ok('first'));
      else socket.end('HTTP/1.1 200 OK\r\ncontent-le');
    });
    const pool = newPool();
    await get(pool, `${server.url}/first`);
    expect(await failure(call(pool, `${server.url}/second`).answer)).toBeInstanceOf(ConnectionClosedError);
    expect(server.seen).toEqual(['GET /first', 'GET /second']);
  });
});

function silentHandler() {
  return { onResponseStart: () => undefined, onResponseData: () => {}, onResponseEnd: () => {}, onResponseError: () => {} };
}

describe('Http1Pool over HTTPS', () => {
  // A self-signed certificate for localhost and 127.0.0.1, valid until 2126, made for these tests only
  // (`openssl req -x509 -newkey rsa:2048 -nodes -days 36500 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1`).
  const cert = readFileSync(new URL('../../../fixtures/tls/localhost-cert.pem', import.meta.url));
  const key = readFileSync(new URL('../../../fixtures/tls/localhost-key.pem', import.meta.url));

  interface HttpsServer extends WatchedServer {
    /** Per request, whether its TLS connection resumed an earlier session. */
    resumed: boolean[];
  }

  async function httpsServer(handler: HttpHandler): Promise<HttpsServer> {
    const connections = new Connections();
    const seen: string[] = [];
    const resumed: boolean[] = [];
    const server = createHttpsServer({ key, cert }, (request, response) => {
      seen.push(`${request.method} ${request.url}`);
      resumed.push((request.socket as TLSSocket).isSessionReused());
      handler(request, response);
    });
    server.on('connection', (socket: Socket) => connections.track(socket));
    // Handshakes the client refuses end in an error here: expected.
    server.on('tlsClientError', () => {});
    const port = await listen(server, connections);
    return { url: `https://127.0.0.1:${port}`, connections, seen, resumed };
  }

  const bigHandler: HttpHandler = (request, response) => {
    if (request.url === '/close') {
      response.writeHead(200, { 'content-length': '5', connection: 'close' }).end('close');
      return;
    }
    response.writeHead(200, { 'content-length': String(BIG.length) });
    for (const piece of BIG_PIECES) response.write(piece);
    response.end();
  };

  it('reads a 2 MB content-length body byte for byte into the buffer onResponseStart returned', async () => {
    const server = await httpsServer(bigHandler);
    let given: Buffer | undefined;
    const answer = await within(
      call(newPool({ tls: { ca: cert } }), `${server.url}/big`, {}, { lend: (length) => (given = Buffer.alloc(length ?? 0)) }).answer,
      'the big body over TLS',
    );
    expect(answer.chunks.length).toBeGreaterThan(1);
    expect(answer.chunks.every((chunk) => chunk.buffer === given!.buffer)).toBe(true);
    expect(answer.body.equals(BIG)).toBe(true);
    expect(given!.equals(BIG)).toBe(true);
  });

  it('carries two sequential requests over one connection', async () => {
    const server = await httpsServer(bigHandler);
    const pool = newPool({ tls: { ca: cert } });
    expect((await get(pool, `${server.url}/one`)).body.equals(BIG)).toBe(true);
    expect((await get(pool, `${server.url}/two`)).body.equals(BIG)).toBe(true);
    expect(server.connections.opened).toBe(1);
    expect(server.seen).toEqual(['GET /one', 'GET /two']);
  });

  it('resumes the TLS session of an earlier connection on a new one', async () => {
    const server = await httpsServer(bigHandler);
    const pool = newPool({ tls: { ca: cert } });
    expect((await get(pool, `${server.url}/close`)).body.toString()).toBe('close');
    await server.connections.closedAt(0);
    expect((await get(pool, `${server.url}/close`)).body.toString()).toBe('close');
    expect(server.connections.opened).toBe(2);
    expect(server.resumed).toEqual([false, true]);
  });

  it('fails with a certificate error, not a hang, when the server’s certificate is not trusted', async () => {
    const server = await httpsServer(bigHandler);
    const error = await failure(call(newPool(), `${server.url}/big`).answer);
    expect(String(error.code)).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
    expect(server.seen).toEqual([]);
  });
});

describe('Http1Pool.close', () => {
  it('destroys idle connections, and later requests fail, never synchronously', async () => {
    const server = await httpServer((_request, response) => response.writeHead(200, { 'content-length': '2' }).end('ok'));
    const pool = newPool();
    await get(pool, `${server.url}/`);
    expect(server.connections.open).toBe(1);
    pool.close();
    await server.connections.closedAt(0);
    const later = call(pool, `${server.url}/`);
    expect(later.events).toEqual([]);
    expect((await failure(later.answer)).message).toBe('the upstream connection pool is closed');
    expect(server.seen).toEqual(['GET /']);
  });

  it('fails a request in flight with a closed connection', async () => {
    const server = await httpServer((_request, response) => {
      response.writeHead(200, { 'content-length': '10' });
      response.write('hello');
    });
    const pool = newPool();
    let started: () => void = () => {};
    const startedPromise = new Promise<void>((resolve) => (started = resolve));
    const inFlight = call(pool, `${server.url}/`, {}, { onData: () => started() });
    await within(startedPromise, 'the first body bytes');
    pool.close();
    expect(await failure(inFlight.answer)).toBeInstanceOf(ConnectionClosedError);
    await server.connections.closedAt(0);
  });

  it('fails the requests waiting for a connection too', async () => {
    const server = await httpServer((_request, response) => {
      response.writeHead(200, { 'content-length': '10' });
      response.write('hello');
    });
    const pool = newPool({ maxConnectionsPerOrigin: 1 });
    let started: () => void = () => {};
    const startedPromise = new Promise<void>((resolve) => (started = resolve));
    const inFlight = call(pool, `${server.url}/busy`, {}, { onData: () => started() });
    const waiting = call(pool, `${server.url}/waiting`);
    await within(startedPromise, 'the first body bytes');
    pool.close();
    expect(await failure(inFlight.answer)).toBeInstanceOf(ConnectionClosedError);
    // Closed means no connection will ever come free: the waiting request must hear so, not wait forever.
    await failure(waiting.answer, 'the waiting request after close()', 1_000);
    expect(server.seen).toEqual(['GET /busy']);
  });
});
