import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAIAdapter } from '../../src/providers/openai/openai-adapter.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';
import { writeInPieces } from '../helpers/write-in-pieces.js';

/*
 * Providers' answers are read into buffers the gateway lends again to later requests
 * (`lendBuffer`, `leaseScratch`). A buffer handed on while a response still sends from it, or while
 * an image is still stored from it, would put one request's image into another's answer. These
 * requests overlap in every way that could happen: many at once, and a client that stops reading.
 */

const UPSTREAM_KEY = 'sk-lent-buffers-upstream-0123456789';

/** Noise does not compress: a PNG of about `width × height × 3` bytes, different every call. */
async function noisyPng(width: number, height: number): Promise<Buffer> {
  return sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/**
 * An OpenAI upstream that answers the prompt `image-<k>` with image k, in pieces, with a
 * content-length; `image-<k> wait-<ms>` waits that long first.
 */
async function startUpstream(images: readonly Buffer[]): Promise<{ server: Server; baseUrl: string }> {
  const bodies = images.map((png) => Buffer.from(JSON.stringify({ created: 1_764_000_000, data: [{ b64_json: png.toString('base64') }] })));
  const server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      const { prompt } = JSON.parse(Buffer.concat(parts).toString('utf8')) as { prompt: string };
      const [, index, wait] = /^image-(\d+)(?: wait-(\d+))?$/.exec(prompt) ?? [];
      const body = bodies[Number(index)];
      if (!body) return void response.writeHead(400).end();
      setTimeout(() => answer(body), Number(wait ?? 0));
    });
    const answer = (body: Buffer): void => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
      // Pieces with pauses, so the answers of concurrent requests arrive interleaved.
      const pieces: Buffer[] = [];
      for (let start = 0; start < body.length; start += 300_000) pieces.push(body.subarray(start, start + 300_000));
      writeInPieces(response, pieces, 1);
    };
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` };
}

describe('answers read into lent buffers', () => {
  let images: Buffer[];
  let upstream: { server: Server; baseUrl: string };
  let gateway: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    // Four of ~400 KB for the crowd; two of ~6 MB, more than loopback buffers, for the client that stops reading.
    images = await Promise.all([
      ...Array.from({ length: 4 }, () => noisyPng(384, 384)),
      ...Array.from({ length: 2 }, () => noisyPng(2048, 1024)),
    ]);
    upstream = await startUpstream(images);
    gateway = await startTestGateway(
      { IMAGEROUTER_URL_ALLOWLIST: '127.0.0.1' },
      { providers: [createOpenAIAdapter()], env: { OPENAI_API_KEY: UPSTREAM_KEY, OPENAI_BASE_URL: upstream.baseUrl } },
    );
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: gateway.key, maxRetries: 0 });
  }, 30_000);
  afterAll(async () => {
    await gateway?.close();
    await new Promise((resolve) => upstream?.server.close(resolve));
  });

  const generate = (index: number, responseFormat: 'b64_json' | 'url', waitMs = 0) =>
    client.images.generate({
      model: 'openai/gpt-image-2',
      prompt: waitMs > 0 ? `image-${index} wait-${waitMs}` : `image-${index}`,
      size: '1024x1024',
      output_format: 'png',
      response_format: responseFormat,
    });

  it('gives every one of many overlapping requests its own image, inline and stored', async () => {
    const asked = Array.from({ length: 24 }, (_, call) => ({
      index: call % 4,
      format: call % 3 === 0 ? ('url' as const) : ('b64_json' as const),
    }));
    const results = await Promise.all(asked.map(({ index, format }) => generate(index, format)));
    for (const [call, result] of results.entries()) {
      const { index, format } = asked[call]!;
      const item = result.data![0]!;
      const bytes = format === 'url' ? Buffer.from(await (await fetch(item.url!)).arrayBuffer()) : Buffer.from(item.b64_json!, 'base64');
      expect(bytes.equals(images[index]!), `call ${call}: image ${index} as ${format}`).toBe(true);
    }
  });

  it("keeps a client's answer intact while it stops reading and other requests reuse the buffers", async () => {
    // Nine wait upstream meanwhile, so the slow answer is read while others hold buffers too.
    const holders = Array.from({ length: 9 }, () => generate(5, 'b64_json', 500));
    // A raw request whose reader pauses at the first bytes: the gateway still has megabytes to send.
    const slow = await new Promise<IncomingMessage>((resolve, reject) => {
      const outgoing = httpRequest(`${gateway.url}/v1/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gateway.key}`, 'content-type': 'application/json' },
      });
      outgoing.on('response', (response) => {
        response.pause();
        resolve(response);
      });
      outgoing.on('error', reject);
      outgoing.end(JSON.stringify({ model: 'openai/gpt-image-2', prompt: 'image-4', size: '1024x1024', output_format: 'png' }));
    });
    expect(slow.statusCode).toBe(200);
    // Meanwhile, answers of the same size come and go, and their buffers are lent on.
    for (const holder of await Promise.all(holders))
      expect(Buffer.from(holder.data![0]!.b64_json!, 'base64').equals(images[5]!)).toBe(true);
    for (let round = 0; round < 3; round += 1) {
      const others = await Promise.all(Array.from({ length: 9 }, (_, call) => generate(5, call === 0 ? 'url' : 'b64_json')));
      expect(Buffer.from(others[1]!.data![0]!.b64_json!, 'base64').equals(images[5]!)).toBe(true);
    }
    // And one at a time, as a lone request borrows the buffer the last one gave back.
    for (let call = 0; call < 3; call += 1) {
      const single = await generate(5, 'b64_json');
      expect(Buffer.from(single.data![0]!.b64_json!, 'base64').equals(images[5]!)).toBe(true);
    }
    const parts: Buffer[] = [];
    slow.on('data', (part: Buffer) => parts.push(part));
    const ended = new Promise((resolve) => slow.on('end', resolve));
    slow.resume();
    await ended;
    const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as { data: Array<{ b64_json: string }> };
    expect(Buffer.from(body.data[0]!.b64_json, 'base64').equals(images[4]!)).toBe(true);
  }, 30_000);
});
