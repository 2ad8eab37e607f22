import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { requestOnce, runLoad, type LoadRequest, type LoadResponse } from '../../../bench/load-client.js';

// The benchmark's load client reads responses with its own HTTP/1.1 reader (bench/raw-http-connection.ts):
// its numbers are only worth something if it reads what real servers send, byte for byte.

const servers: net.Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function listen(server: net.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A node:http server answering every request with `answer` once its body has been read. */
function httpServer(answer: (request: http.IncomingMessage, response: http.ServerResponse) => void): Promise<number> {
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      (request as http.IncomingMessage & { receivedBody: Buffer }).receivedBody = Buffer.concat(chunks);
      answer(request, response);
    });
  });
  return listen(server);
}

const POST: LoadRequest = {
  method: 'POST',
  path: '/images?x=1',
  headers: { 'content-type': 'application/json' },
  body: Buffer.from('{"a":1}'),
};

/** A short run; resolves with the first response (as `verifyFirst` saw it) and the result. */
async function load(
  port: number,
  options: { concurrency?: number; request?: LoadRequest; failureOf?: Parameters<typeof runLoad>[0]['failureOf'] } = {},
) {
  let first: LoadResponse | undefined;
  const result = await runLoad({
    port,
    concurrency: options.concurrency ?? 2,
    warmupMs: 50,
    durationMs: 300,
    maxRequests: 200,
    request: () => options.request ?? POST,
    verifyFirst: (response) => {
      first = response;
    },
    ...(options.failureOf ? { failureOf: options.failureOf } : {}),
  });
  return { first: first!, result };
}

describe('bench load client', () => {
  it('sends the request as given and reads a content-length body of megabytes, byte for byte', async () => {
    const payload = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let index = 0; index < payload.length; index++) payload[index] = (index * 31) % 251;
    const seen: Array<{ method: string; url: string; host: string; type: string; body: string }> = [];
    const port = await httpServer((request, response) => {
      seen.push({
        method: request.method!,
        url: request.url!,
        host: request.headers.host!,
        type: request.headers['content-type']!,
        body: (request as http.IncomingMessage & { receivedBody: Buffer }).receivedBody.toString(),
      });
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'x-answer': 'yes', 'content-length': payload.length });
      response.end(payload);
    });
    const { first, result } = await load(port);
    expect(first.status).toBe(200);
    expect(first.headers['x-answer']).toBe('yes');
    expect(first.body.equals(payload)).toBe(true);
    expect(result.errors).toBe(0);
    expect(result.completedInWindow).toBeGreaterThan(0);
    expect(result.meanBodyBytes).toBe(payload.length);
    expect(seen[0]).toEqual({ method: 'POST', url: '/images?x=1', host: `127.0.0.1:${port}`, type: 'application/json', body: '{"a":1}' });
  });

  it('reads chunked bodies, keeps connections alive across responses, and follows connection: close', async () => {
    const sockets = new Set<net.Socket>();
    const port = await httpServer((request, response) => {
      sockets.add(request.socket);
      if (request.url === '/close') {
        response.writeHead(201, { connection: 'close', 'content-length': '5' });
        response.end('hello');
        return;
      }
      response.writeHead(200, { 'content-type': 'text/plain' });
      for (let index = 0; index < 40; index++) response.write('x'.repeat(1000 + index));
      response.end('END');
    });
    const chunked = await load(port, { request: { ...POST, path: '/chunked' } });
    const expected = Array.from({ length: 40 }, (_, index) => 'x'.repeat(1000 + index)).join('') + 'END';
    expect(chunked.first.headers['transfer-encoding']).toBe('chunked');
    expect(chunked.first.body.toString()).toBe(expected);
    expect(chunked.result.errors).toBe(0);
    expect(chunked.result.meanBodyBytes).toBe(expected.length);
    // Keep-alive: two workers, hundreds of responses, two connections.
    expect(sockets.size).toBe(2);

    sockets.clear();
    const closing = await load(port, { request: { ...POST, path: '/close' } });
    expect(closing.first.status).toBe(201);
    expect(closing.first.body.toString()).toBe('hello');
    expect(closing.result.errors).toBe(0);
    expect(sockets.size).toBeGreaterThan(2);
  });

  it('reads heads and chunk framing split at every byte, and skips an interim 100 head', async () => {
    const answer = Buffer.from(
      'HTTP/1.1 100 Continue\r\n\r\n' +
        'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nSet-Thing: a\r\nSet-Thing: b\r\nTransfer-Encoding: chunked\r\n\r\n' +
        '5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: t\r\n\r\n',
    );
    const port = await listen(
      net.createServer((socket) => {
        socket.on('data', () => {
          // One byte per write, each in its own packet, so every boundary falls between two reads.
          let index = 0;
          const next = (): void => {
            if (index < answer.length) socket.write(answer.subarray(index, ++index), () => setImmediate(next));
          };
          next();
        });
      }),
    );
    const { first, result } = await load(port, { concurrency: 1 });
    expect(first.status).toBe(200);
    expect(first.headers['set-thing']).toBe('a, b');
    expect(first.body.toString()).toBe('hello world');
    expect(result.errors).toBe(0);
  });

  it('counts error statuses, cut connections and failures failureOf finds in the body', async () => {
    let count = 0;
    const port = await httpServer((request, response) => {
      count += 1;
      // The first two (one per worker, both in the warmup) succeed, whichever comes back first.
      if (count <= 2) {
        response.writeHead(200, { 'content-length': '2' });
        response.end('ok');
      } else if (request.url === '/mixed' && count % 2 === 0) {
        response.writeHead(503, { 'content-length': '4' });
        response.end('busy');
      } else if (request.url === '/mixed') {
        response.writeHead(200, { 'content-length': '100' });
        response.write('partial');
        response.socket?.destroy();
      } else {
        response.writeHead(200, { 'content-length': '5', 'x-heartbeat': '1' });
        response.end('error');
      }
    });
    const mixed = await load(port, { request: { ...POST, path: '/mixed' } });
    expect(mixed.result.errors).toBe(mixed.result.latenciesMs.length);
    expect(Object.keys(mixed.result.errorKinds).sort()).toEqual(['ABORTED', 'HTTP 503']);

    const failures = await load(port, {
      request: { ...POST, path: '/body' },
      failureOf: (_status, headers, body) => (headers['x-heartbeat'] && body().toString() === 'error' ? 'heartbeat error' : undefined),
    });
    expect(failures.result.errorKinds).toEqual({ 'heartbeat error': failures.result.latenciesMs.length });
  });

  it('encodes a request object once per connection, however often the loop sends it', async () => {
    const sockets = new Set<net.Socket>();
    const port = await httpServer((request, response) => {
      sockets.add(request.socket);
      response.writeHead(200, { 'content-length': '2' });
      response.end('ok');
    });
    let headerReads = 0;
    const request: LoadRequest = {
      method: 'POST',
      path: '/once',
      get headers() {
        headerReads += 1;
        return { 'content-type': 'application/json' };
      },
      body: Buffer.from('{}'),
    };
    const { result } = await load(port, { concurrency: 2, request });
    expect(result.errors).toBe(0);
    expect(result.completedInWindow).toBeGreaterThan(10);
    expect(sockets.size).toBe(2);
    expect(headerReads).toBe(2);
  });

  it('reads a body that ends when the server closes the connection, then opens a new one', async () => {
    let connections = 0;
    const port = await listen(
      net.createServer((socket) => {
        connections += 1;
        socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the end'));
      }),
    );
    const { first, result } = await load(port, { concurrency: 1 });
    expect(first.status).toBe(200);
    expect(first.body.toString()).toBe('until the end');
    expect(result.errors).toBe(0);
    expect(result.meanBodyBytes).toBe('until the end'.length);
    expect(connections).toBeGreaterThan(2);
  });

  it('requestOnce sends a large body whole, reads the answer, and rejects when nothing listens', async () => {
    const upload = Buffer.alloc(5 * 1024 * 1024 + 3, 7);
    let received: Buffer | undefined;
    const port = await httpServer((request, response) => {
      received = (request as http.IncomingMessage & { receivedBody: Buffer }).receivedBody;
      response.writeHead(202, { 'x-seen': String(received.length), 'content-length': '4' });
      response.end('done');
    });
    const response = await requestOnce(port, { method: 'POST', path: '/upload', body: upload });
    expect(response.status).toBe(202);
    expect(response.headers['x-seen']).toBe(String(upload.length));
    expect(response.body.toString()).toBe('done');
    expect(received?.equals(upload)).toBe(true);

    const closed = await listen(net.createServer());
    await new Promise((resolve) => servers.pop()!.close(resolve));
    await expect(requestOnce(closed, { method: 'GET', path: '/health' }, 1000)).rejects.toThrow('GET /health failed: ECONNREFUSED');
  });

  it('fails the run when the first response is not a success', async () => {
    const port = await httpServer((_request, response) => {
      response.writeHead(500, { 'content-length': '4' });
      response.end('oops');
    });
    await expect(load(port)).rejects.toThrow('the first request answered HTTP 500: oops');
  });
});
