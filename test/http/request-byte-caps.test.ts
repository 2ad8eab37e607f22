import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type FormFields,
  PRICED_TEST_MODEL_YAML,
  expectApiError,
  getJson,
  listTree,
  postForm,
  postJson,
  writeOperatorConfig,
} from '../helpers/gateway-client.js';
import { type TestGateway, startTestGateway } from '../helpers/test-gateway.js';

/**
 * IMAGEROUTER_MAX_REQUEST_BYTES holds for every byte of a multipart body (text fields too, not just
 * files), and IMAGEROUTER_MAX_INPUT_BYTES for everything one request downloads by URL. Every
 * rejection is a 413 naming the parameter; nothing is charged, written or left running.
 */

const GENERATIONS = '/v1/openai/images/generations';
const EDITS = '/v1/openai/images/edits';
const MODEL = 'test/test';
const MAX_REQUEST_BYTES = 200_000;
/** What an endless image URL may get the gateway to read before it is stopped (the per-image cap is 50 MB). */
const ENDLESS_BOUND = 16 * 1024 * 1024;

const originalTmpdir = process.env.TMPDIR;
let privateTmp: string;
let gateway: TestGateway;
/** $1.00 on a model priced at $0.01: any charge would show. */
let limitedKey: string;
let treeBefore: string[];

/** Exactly three of these fit IMAGEROUTER_MAX_INPUT_BYTES. */
let urlPng: Buffer;
let maxInputBytes: number;
/** Each as a data URI is larger than the whole request cap. */
let hugePng: Buffer;
/** Each as a data URI is well under the request cap; 16 of them are far over it. */
let smallPng: Buffer;

let imageServer: http.Server;
let imageServerUrl: string;
const serverSockets = new Set<Socket>();
let endlessBytesWritten = 0;

/** Random pixels do not compress: the PNG is about as large as its pixel data. */
const randomPng = (size: number) =>
  sharp(randomBytes(size * size * 3), { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toBuffer();
const dataUri = (bytes: Buffer) => `data:image/png;base64,${bytes.toString('base64')}`;
/** What the gateway counts against the cap for form fields: every name and every value. */
const countedBytes = (fields: FormFields) =>
  fields.reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + (typeof value === 'string' ? Buffer.byteLength(value) : value.bytes.length),
    0,
  );

beforeAll(async () => {
  privateTmp = await mkdtemp(path.join(os.tmpdir(), 'imagerouter-byte-caps-'));
  process.env.TMPDIR = privateTmp;
  expect(os.tmpdir()).toBe(privateTmp);

  [urlPng, hugePng, smallPng] = await Promise.all([randomPng(100), randomPng(256), randomPng(80)]);
  maxInputBytes = 3 * urlPng.length;
  expect(dataUri(hugePng).length).toBeGreaterThan(MAX_REQUEST_BYTES);
  expect(16 * dataUri(hugePng).length).toBeGreaterThan(3_000_000);
  expect(dataUri(smallPng).length * 4).toBeLessThan(MAX_REQUEST_BYTES);
  expect(dataUri(smallPng).length * 16).toBeGreaterThan(MAX_REQUEST_BYTES);

  imageServer = http.createServer((request, response) => {
    if (request.url?.startsWith('/picture.png')) {
      response.writeHead(200, { 'content-type': 'image/png', 'content-length': urlPng.length }).end(urlPng);
    } else if (request.url?.startsWith('/chunked.png')) {
      // No Content-Length: only counting the bytes as they arrive can stop it.
      response.writeHead(200, { 'content-type': 'image/png' });
      response.write(urlPng.subarray(0, 1000));
      setTimeout(() => response.end(urlPng.subarray(1000)), 10);
    } else if (request.url?.startsWith('/endless.png')) {
      const chunk = Buffer.alloc(64 * 1024, 7);
      response.writeHead(200, { 'content-type': 'image/png' });
      // Writes until the gateway hangs up, counting what it handed to the socket.
      const pump = (): void => {
        while (!response.destroyed) {
          endlessBytesWritten += chunk.length;
          if (!response.write(chunk)) break;
        }
        if (!response.destroyed) response.once('drain', pump);
      };
      pump();
    } else if (request.url?.startsWith('/stall.png')) {
      // Never answers: only the gateway hanging up ends it.
    } else {
      response.writeHead(404).end();
    }
  });
  imageServer.on('connection', (socket: Socket) => {
    serverSockets.add(socket);
    socket.on('close', () => serverSockets.delete(socket));
  });
  await new Promise<void>((resolve) => imageServer.listen(0, '127.0.0.1', resolve));
  imageServerUrl = `http://127.0.0.1:${(imageServer.address() as AddressInfo).port}`;

  const configFile = await writeOperatorConfig(privateTmp, PRICED_TEST_MODEL_YAML);
  gateway = await startTestGateway({
    IMAGEROUTER_CONFIG: configFile,
    IMAGEROUTER_MAX_REQUEST_BYTES: String(MAX_REQUEST_BYTES),
    IMAGEROUTER_MAX_INPUT_BYTES: String(maxInputBytes),
    IMAGEROUTER_URL_ALLOWLIST: '127.0.0.1',
    // Short enough that a download nobody stops would still fail the timing checks below.
    IMAGEROUTER_DOWNLOAD_TIMEOUT_MS: '10000',
  });
  limitedKey = await gateway.createKey({ creditsMicros: 1_000_000, name: 'limited' });
  treeBefore = await listTree(privateTmp);
});

afterAll(async () => {
  await gateway?.close();
  imageServer?.closeAllConnections();
  if (imageServer) await new Promise((resolve) => imageServer.close(resolve));
  if (originalTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = originalTmpdir;
  if (privateTmp) await rm(privateTmp, { recursive: true, force: true });
});

afterEach(async () => {
  const health = await getJson(gateway.url, '/health');
  expect(health.status).toBe(200);
  expect(health.body).toEqual({ status: 'ok' });
});

const form = (fields: FormFields, key = limitedKey) => postForm(gateway.url, EDITS, fields, { key });
const json = (body: Record<string, unknown>, key = limitedKey) => postJson(gateway.url, GENERATIONS, { model: MODEL, ...body }, { key });
const urls = (...paths: string[]) => paths.map((name, index) => `${imageServerUrl}/${name}?n=${index}`);

describe('IMAGEROUTER_MAX_REQUEST_BYTES counts text fields of a multipart body', () => {
  it('rejects ~4 MB of data-URI images in image[] text fields, each over the cap, with a 413 naming image[]', async () => {
    const fields: FormFields = [
      ['model', MODEL],
      ['prompt', 'a cat'],
      ...Array.from({ length: 16 }, (): [string, string] => ['image[]', dataUri(hugePng)]),
    ];
    const result = await form(fields);
    expectApiError(result, { status: 413, param: 'image[]', code: 'request_too_large', mentions: String(MAX_REQUEST_BYTES) });
    expect(result.body.error.message).toContain('IMAGEROUTER_MAX_REQUEST_BYTES');
  });

  it('rejects image[] text fields that are each small but together over the cap', async () => {
    const fields: FormFields = [
      ['model', MODEL],
      ['prompt', 'a cat'],
      ...Array.from({ length: 16 }, (): [string, string] => ['image[]', dataUri(smallPng)]),
    ];
    const result = await form(fields);
    expectApiError(result, { status: 413, param: 'image[]', code: 'request_too_large', mentions: String(MAX_REQUEST_BYTES) });
  });

  it('rejects a 5 MB prompt field with a 413 naming prompt', async () => {
    const result = await form([
      ['model', MODEL],
      ['prompt', 'a'.repeat(5_000_000)],
    ]);
    expectApiError(result, { status: 413, param: 'prompt', code: 'request_too_large' });
  });

  it('counts text fields and files together', async () => {
    const fields: FormFields = [
      ['model', MODEL],
      ['image[]', { bytes: hugePng, filename: 'a.png', type: 'image/png' }],
      ['image[]', dataUri(smallPng)],
    ];
    expect(countedBytes(fields)).toBeGreaterThan(MAX_REQUEST_BYTES);
    const result = await form(fields);
    expectApiError(result, { status: 413, param: 'image[]', code: 'request_too_large' });
  });

  it('takes a body of exactly the cap and refuses one byte more', async () => {
    const fields: FormFields = [
      ['model', MODEL],
      ['prompt', 'a cat'],
      ['response_format', 'b64_ephemeral'],
      ...Array.from({ length: 6 }, (): [string, string] => ['image[]', dataUri(smallPng)]),
    ];
    // Whitespace in base64 is ignored, so padding the last image reaches the cap exactly.
    const padding = MAX_REQUEST_BYTES - countedBytes(fields);
    expect(padding).toBeGreaterThan(0);
    const atCap: FormFields = [...fields.slice(0, -1), ['image[]', `${dataUri(smallPng)}${' '.repeat(padding)}`]];
    expect(countedBytes(atCap)).toBe(MAX_REQUEST_BYTES);
    const accepted = await form(atCap, gateway.key);
    expect(accepted.status, accepted.text.slice(0, 500)).toBe(200);
    expect(accepted.body.data).toHaveLength(1);

    const overCap: FormFields = [...fields.slice(0, -1), ['image[]', `${dataUri(smallPng)}${' '.repeat(padding + 1)}`]];
    const refused = await form(overCap);
    expectApiError(refused, { status: 413, param: 'image[]', code: 'request_too_large' });
  });

  it('bounds a JSON body by the same cap (Fastify bodyLimit): a 413 naming body', async () => {
    const result = await json({ prompt: 'a cat', image: Array.from({ length: 16 }, () => dataUri(hugePng)) });
    expectApiError(result, { status: 413, param: 'body', code: 'body_too_large' });
  });
});

describe('IMAGEROUTER_MAX_INPUT_BYTES caps what one request downloads', () => {
  it('takes image URLs that add up to exactly the cap', async () => {
    const result = await json(
      { prompt: 'a cat', response_format: 'b64_ephemeral', image: urls('picture.png', 'chunked.png', 'picture.png') },
      gateway.key,
    );
    expect(result.status, result.text.slice(0, 500)).toBe(200);
    expect(result.body.data).toHaveLength(1);
  });

  it.each([
    ['with Content-Length', 'picture.png'],
    ['chunked', 'chunked.png'],
  ])('rejects four image URLs (%s) over the cap with a 413 naming an image', async (_kind, name) => {
    const result = await json({ prompt: 'a cat', image: urls(name, name, name, name) });
    expectApiError(result, { status: 413, code: 'download_budget_exceeded', mentions: 'IMAGEROUTER_MAX_INPUT_BYTES' });
    expect(result.body.error.param).toMatch(/^image\[[0-3]\]$/);
    expect(result.body.error.message).toContain(String(maxInputBytes));
  });

  it('names the image that overflows when the others fit', async () => {
    const result = await json({
      prompt: 'a cat',
      image: urls('picture.png', 'picture.png', 'picture.png'),
      mask: `${imageServerUrl}/picture.png?mask`,
    });
    expectApiError(result, { status: 413, param: 'mask', code: 'download_budget_exceeded' });
  });

  it('stops an endless image download once the total passes the cap, not at the per-image cap', async () => {
    endlessBytesWritten = 0;
    const result = await json({ prompt: 'a cat', image: urls('endless.png') });
    expectApiError(result, { status: 413, param: 'image[0]', code: 'download_budget_exceeded' });
    // Far below IMAGEROUTER_MAX_IMAGE_BYTES (50 MB): the server did not have to send it.
    expect(endlessBytesWritten).toBeLessThan(ENDLESS_BOUND);
    await vi.waitFor(() => expect(serverSockets.size).toBe(0), { timeout: 10_000, interval: 20 });
  });

  it('stops the other downloads of the request when one passes the cap', async () => {
    const result = await json({ prompt: 'a cat', image: urls('stall.png', 'picture.png', 'picture.png', 'picture.png', 'picture.png') });
    expectApiError(result, { status: 413, code: 'download_budget_exceeded' });
    expect(result.body.error.param).toMatch(/^image\[[1-4]\]$/);
    // The stalled download does not wait out its 10 s timeout.
    await vi.waitFor(() => expect(serverSockets.size).toBe(0), { timeout: 10_000, interval: 20 });
  });
});

describe('after all of them', () => {
  it('charged nothing', async () => {
    const credits = await getJson(gateway.url, '/v1/credits', { key: limitedKey });
    expect(credits.status).toBe(200);
    expect(credits.body).toMatchObject({ remaining_credits: '1.0000', credit_usage: '0.0000' });
  });

  it('left no file behind: no temp file, no stored image', async () => {
    expect(await listTree(privateTmp)).toEqual(treeBefore);
    expect((await listTree(path.join(gateway.dataDir, 'images'))).length).toBe(0);
  });
});
