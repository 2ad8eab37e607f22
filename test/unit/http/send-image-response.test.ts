import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { sendImageResponse } from '../../../src/http/send-image-response.js';
import type { ImageResponseBody } from '../../../src/http/serialize-image-response.js';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** Many parts, some large (the socket cannot take them in one write), as a real answer's base64 views are. */
function bigBody(): ImageResponseBody {
  const parts = [Buffer.from('{"data":[{"b64_json":"')];
  for (let index = 0; index < 40; index += 1) parts.push(Buffer.alloc(65_536, 65 + (index % 26)));
  parts.push(Buffer.from('"}]}'));
  return { parts, length: parts.reduce((sum, part) => sum + part.length, 0) };
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Plain node:http, so the test sees the wire as a client does (framing headers included). */
function post(port: number, path: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: '127.0.0.1', port, path, method: 'POST' }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.once('error', reject);
    });
    outgoing.once('error', reject);
    outgoing.end();
  });
}

async function listen(app: FastifyInstance): Promise<number> {
  apps.push(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}

describe('sendImageResponse', () => {
  it('sends every part in order as one sized body, with the headers hooks set, and onResponse hooks still run', async () => {
    const body = bigBody();
    const finished: Array<{ status: number; url: string }> = [];
    const app = Fastify();
    app.addHook('onRequest', async (request, reply) => {
      reply.header('x-request-id', request.id);
    });
    app.addHook('onResponse', async (request, reply) => {
      finished.push({ status: reply.statusCode, url: request.url });
    });
    app.post('/images', async (_request, reply) => {
      reply.code(200).header('cache-control', 'no-store').header('x-generation-id', 'gen-1').type('application/json; charset=utf-8');
      return sendImageResponse(reply, body);
    });
    const port = await listen(app);

    const response = await post(port, '/images');
    expect(response.status).toBe(200);
    expect(response.body.equals(Buffer.concat(body.parts))).toBe(true);
    expect(response.headers['content-length']).toBe(String(body.length));
    expect(response.headers['transfer-encoding']).toBeUndefined();
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['x-generation-id']).toBe('gen-1');
    expect(response.headers['x-request-id']).toMatch(/\S/);
    await expect.poll(() => finished).toEqual([{ status: 200, url: '/images' }]);

    // The connection is reusable: a second answer on the same server is whole too.
    const again = await post(port, '/images');
    expect(again.body.equals(Buffer.concat(body.parts))).toBe(true);
  });

  it('writes nothing for a client that already left, and the server goes on serving', async () => {
    let sent: ((headersSent: boolean) => void) | undefined;
    const done = new Promise<boolean>((resolve) => (sent = resolve));
    const app = Fastify();
    app.post('/slow', async (request, reply) => {
      // Wait until the client has gone, as a generation outlasting its caller does.
      await new Promise<void>((resolve) => request.raw.socket.once('close', () => resolve()));
      sendImageResponse(reply.code(200), bigBody());
      sent?.(reply.raw.headersSent);
      return reply;
    });
    app.post('/images', async (_request, reply) => sendImageResponse(reply.code(200), bigBody()));
    const port = await listen(app);

    const abandoned = httpRequest({ host: '127.0.0.1', port, path: '/slow', method: 'POST' });
    abandoned.on('error', () => undefined);
    abandoned.end();
    await new Promise((resolve) => setTimeout(resolve, 50));
    abandoned.destroy();
    // Not even the head was written to the dead socket.
    expect(await done).toBe(false);

    const response = await post(port, '/images');
    expect(response.status).toBe(200);
    expect(response.body.length).toBe(bigBody().length);
  });
});
