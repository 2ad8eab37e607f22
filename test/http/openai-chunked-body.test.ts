import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAIAdapter } from '../../src/providers/openai/openai-adapter.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';
import { writeInPieces } from '../helpers/write-in-pieces.js';

const UPSTREAM_KEY = 'sk-chunked-upstream-0123456789abcdef';

/** A photo-like PNG of a few hundred KB: noise does not compress, so its base64 spans many socket reads. */
async function noisyPng(edge: number): Promise<Buffer> {
  return sharp(randomBytes(edge * edge * 3), { raw: { width: edge, height: edge, channels: 3 } })
    .png()
    .toBuffer();
}

/**
 * An OpenAI Images upstream that writes its answer in small pieces with pauses between them, so
 * the gateway receives the body (and the base64 in it) as many chunks cut at arbitrary places.
 * With `sized: false` it sends no `content-length` (`transfer-encoding: chunked`), as servers that
 * stream their JSON do, so the body's length is known only at its end.
 */
async function startChunkingUpstream(png: Buffer, sized: boolean): Promise<{ server: Server; baseUrl: string }> {
  const body = Buffer.from(
    JSON.stringify({
      created: 1_764_000_000,
      data: [{ b64_json: png.toString('base64') }],
      output_format: 'png',
      usage: { input_tokens: 5, input_tokens_details: { text_tokens: 5, image_tokens: 0 }, output_tokens: 1056, total_tokens: 1061 },
    }),
  );
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json', ...(sized ? { 'content-length': String(body.length) } : {}) });
      // Odd piece sizes, so cuts fall inside the key, the quotes and base64 quads alike.
      const pieces: Buffer[] = [];
      for (let start = 0, size = 7; start < body.length; start += size, size = size * 3 + 1)
        pieces.push(body.subarray(start, start + size));
      writeInPieces(response, pieces, 2);
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` };
}

describe.each([
  { framing: 'with a content-length', sized: true },
  { framing: 'chunked, without a content-length', sized: false },
])('an OpenAI answer that arrives in many chunks, $framing', ({ sized }) => {
  let png: Buffer;
  let upstream: { server: Server; baseUrl: string };
  let gateway: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    png = await noisyPng(384);
    upstream = await startChunkingUpstream(png, sized);
    gateway = await startTestGateway(
      { IMAGEROUTER_URL_ALLOWLIST: '127.0.0.1' },
      { providers: [createOpenAIAdapter()], env: { OPENAI_API_KEY: UPSTREAM_KEY, OPENAI_BASE_URL: upstream.baseUrl } },
    );
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: gateway.key, maxRetries: 0 });
  });
  afterAll(async () => {
    await gateway?.close();
    await new Promise((resolve) => upstream?.server.close(resolve));
  });

  it('passes the base64 through byte for byte (b64_json, same format)', async () => {
    expect(png.length).toBeGreaterThan(300_000);
    const result = await client.images.generate({ model: 'openai/gpt-image-2', prompt: 'noise', size: '1024x1024', output_format: 'png' });
    expect(result.data?.[0]?.b64_json).toBe(png.toString('base64'));
  });

  it('decodes it across the chunks into the stored file (url)', async () => {
    const result = await client.images.generate({
      model: 'openai/gpt-image-2',
      prompt: 'noise',
      size: '1024x1024',
      output_format: 'png',
      response_format: 'url',
    });
    const stored = await fetch(result.data![0]!.url!);
    expect(stored.status).toBe(200);
    expect(Buffer.from(await stored.arrayBuffer()).equals(png)).toBe(true);
  });

  it('converts it when another format is asked for (webp)', async () => {
    const result = await client.images.generate({ model: 'openai/gpt-image-2', prompt: 'noise', size: '1024x1024', output_format: 'webp' });
    expect(result.data?.[0], JSON.stringify(result).slice(0, 300)).toHaveProperty('b64_json');
    const webp = Buffer.from(result.data![0]!.b64_json!, 'base64');
    expect(await sharp(webp).metadata()).toMatchObject({ format: 'webp', width: 384, height: 384 });
  });
});
