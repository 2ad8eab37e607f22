import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findApiKeyByToken } from '../../src/accounts/api-key-repository.js';
import { getGeneration } from '../../src/accounts/generation-repository.js';
import { sniffImageFormat } from '../../src/images/sniff-image-format.js';
import { noisyImage, pixelAt, rgbaPixels } from '../fixtures/images/make-test-images.js';
import {
  type FormFile,
  PRICED_TEST_MODEL_YAML,
  expectApiError,
  fetchBytes,
  getJson,
  getRawPath,
  listTree,
  postForm,
  postJson,
  waitFor,
  writeOperatorConfig,
} from '../helpers/gateway-client.js';
import { type TestGateway, startTestGateway } from '../helpers/test-gateway.js';

/** The unified image endpoint over real HTTP: inputs, formats, storage, failures, money. */

const GENERATIONS = '/v1/openai/images/generations';
const EDITS = '/v1/openai/images/edits';
const MODEL = 'test/test';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let configDir: string;
let configFile: string;
/** Allows downloads from 127.0.0.1; test/test costs $0.01. */
let gateway: TestGateway;
let imageServer: http.Server;
let imageServerUrl: string;
let imageServerHits = 0;
let inputPng: Buffer;

const file = (bytes: Buffer, filename: string, type = 'image/png'): FormFile => ({ bytes, filename, type });
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const decode = (b64: string) => Buffer.from(b64, 'base64');

beforeAll(async () => {
  configDir = await mkdtemp(path.join(os.tmpdir(), 'imagerouter-image-endpoint-'));
  configFile = await writeOperatorConfig(configDir, PRICED_TEST_MODEL_YAML);
  inputPng = await noisyImage('png', 96, 64);
  imageServer = http.createServer((request, response) => {
    imageServerHits += 1;
    if (request.url === '/picture.png') response.writeHead(200, { 'content-type': 'image/png' }).end(inputPng);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => imageServer.listen(0, '127.0.0.1', resolve));
  imageServerUrl = `http://127.0.0.1:${(imageServer.address() as AddressInfo).port}`;
  gateway = await startTestGateway({ IMAGEROUTER_CONFIG: configFile, IMAGEROUTER_URL_ALLOWLIST: '127.0.0.1' });
});

afterAll(async () => {
  await gateway?.close();
  await new Promise((resolve) => imageServer?.close(resolve));
  if (configDir) await rm(configDir, { recursive: true, force: true });
});

const generate = (body: Record<string, unknown>, key = gateway.key) =>
  postJson(gateway.url, GENERATIONS, { model: MODEL, ...body }, { key });
const record = (id: string) => getGeneration(gateway.context.database.db, id);
const remainingCredits = async (key: string, target = gateway) =>
  (await getJson(target.url, '/v1/credits', { key })).body.remaining_credits as string;

describe('input images', () => {
  it('takes a data URI in JSON', async () => {
    const result = await generate({ prompt: 'from a data uri', image: `data:image/png;base64,${inputPng.toString('base64')}` });
    expect(result.status, result.text).toBe(200);
    expect((await record(result.body.id))?.inputImageCount).toBe(1);
  });

  it('takes bare base64 in JSON, under image[] too', async () => {
    const result = await generate({ prompt: 'from base64', 'image[]': [inputPng.toString('base64'), inputPng.toString('base64')] });
    expect(result.status, result.text).toBe(200);
    expect((await record(result.body.id))?.inputImageCount).toBe(2);
  });

  it('downloads an http URL (allowlisted 127.0.0.1)', async () => {
    const hitsBefore = imageServerHits;
    const result = await generate({ prompt: 'from a url', image: `${imageServerUrl}/picture.png` });
    expect(result.status, result.text).toBe(200);
    expect(imageServerHits).toBe(hitsBefore + 1);
    expect((await record(result.body.id))?.inputImageCount).toBe(1);
  });

  it("takes OpenAI's images: [{image_url}] form", async () => {
    const result = await generate({ prompt: 'openai form', images: [{ image_url: `${imageServerUrl}/picture.png` }] });
    expect(result.status, result.text).toBe(200);
    expect((await record(result.body.id))?.inputImageCount).toBe(1);
  });

  it('names the image when its URL answers 404', async () => {
    const result = await generate({ prompt: 'x', image: `${imageServerUrl}/missing.png` });
    expectApiError(result, { status: 400, param: 'image[0]', mentions: '404' });
  });

  it("accepts multipart files as 'image' and as 'image[]', on /edits and /generations", async () => {
    for (const [endpoint, field] of [
      [EDITS, 'image'],
      [EDITS, 'image[]'],
      [GENERATIONS, 'image[]'],
    ] as const) {
      const result = await postForm(
        gateway.url,
        endpoint,
        [
          ['model', MODEL],
          ['prompt', field],
          [field, file(inputPng, 'in.png')],
          [field, file(inputPng, 'in2.png')],
        ],
        {
          key: gateway.key,
        },
      );
      expect(result.status, `${endpoint} ${field}: ${result.text}`).toBe(200);
      expect((await record(result.body.id))?.inputImageCount).toBe(2);
    }
  });
});

describe('sizes and formats', () => {
  it.each([
    ['x', '160x96'],
    ['X', '160X96'],
    ['×', '160×96'],
    ['*', '160*96'],
  ])("size with '%s' between the numbers", async (_separator, size) => {
    const result = await generate({ prompt: 'sizes', size, response_format: 'b64_json', output_format: 'png' });
    expect(result.status, result.text).toBe(200);
    const metadata = await sharp(decode(result.body.data[0].b64_json)).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['png', 160, 96]);
  });

  it("takes '×' in a multipart field too", async () => {
    const result = await postForm(
      gateway.url,
      EDITS,
      [
        ['model', MODEL],
        ['size', '128×64'],
        ['response_format', 'b64_json'],
        ['output_format', 'png'],
      ],
      { key: gateway.key },
    );
    expect(result.status, result.text).toBe(200);
    const metadata = await sharp(decode(result.body.data[0].b64_json)).metadata();
    expect([metadata.width, metadata.height]).toEqual([128, 64]);
  });

  it("'jpg' is an alias of jpeg: JPEG bytes, served as image/jpeg", async () => {
    const result = await generate({ prompt: 'jpg', size: '128x128', output_format: 'jpg' });
    expect(result.status, result.text).toBe(200);
    const served = await fetchBytes(result.body.data[0].url);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/jpeg');
    expect([...served.bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    expect(sniffImageFormat(served.bytes)).toBe('jpeg');
  });

  it('n=3 returns three distinct valid images', async () => {
    const result = await generate({ prompt: 'three', n: 3, size: '96x96', response_format: 'b64_json', output_format: 'webp' });
    expect(result.status, result.text).toBe(200);
    expect(result.body.data).toHaveLength(3);
    const images = (result.body.data as Array<{ b64_json: string }>).map((item) => decode(item.b64_json));
    for (const bytes of images) {
      const metadata = await sharp(bytes).metadata();
      expect([metadata.format, metadata.width, metadata.height]).toEqual(['webp', 96, 96]);
    }
    expect(new Set(images.map(sha256)).size).toBe(3);
    expect(result.body.cost).toBe(0.03);
  });
});

describe('response formats and storage', () => {
  const imagesDir = () => path.join(gateway.dataDir, 'images');

  it('b64_ephemeral: inline, nothing stored, no prompt kept', async () => {
    const before = await listTree(imagesDir());
    const result = await generate({ prompt: 'a secret prompt', size: '64x64', response_format: 'b64_ephemeral' });
    expect(result.status, result.text).toBe(200);
    expect(sniffImageFormat(decode(result.body.data[0].b64_json))).toBe('webp');
    expect(result.body.data[0]).not.toHaveProperty('url');
    expect(await listTree(imagesDir())).toEqual(before);
    const generationId = result.headers.get('x-generation-id');
    expect(generationId).toBe(result.body.id);
    const stored = await record(generationId ?? '');
    expect(stored).toMatchObject({ status: 'success', prompt: null, responseFormat: 'b64_ephemeral', outputIds: [], imageCount: 1 });
  });

  it('b64_json: inline and stored, the stored file holds the same bytes', async () => {
    const before = await listTree(imagesDir());
    const result = await generate({ prompt: 'kept prompt', size: '64x64', response_format: 'b64_json', output_format: 'png' });
    expect(result.status, result.text).toBe(200);
    const inline = decode(result.body.data[0].b64_json);
    const stored = await record(result.body.id);
    expect(stored).toMatchObject({ status: 'success', prompt: 'kept prompt' });
    expect(stored?.outputIds).toHaveLength(1);
    const key = stored?.outputIds[0] ?? '';
    expect(await listTree(imagesDir())).toEqual([...before, key].sort());
    const served = await fetchBytes(`${gateway.url}/storage/${key}`);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(sha256(served.bytes)).toBe(sha256(inline));
  });

  it('url: the file is served with its Content-Type and an immutable Cache-Control', async () => {
    const result = await generate({ prompt: 'hosted', size: '96x64', output_format: 'webp' });
    expect(result.status, result.text).toBe(200);
    const url = result.body.data[0].url as string;
    expect(url.startsWith(`${gateway.url}/storage/`)).toBe(true);
    const served = await fetchBytes(url);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/webp');
    expect(served.headers.get('cache-control')).toContain('immutable');
    const metadata = await sharp(served.bytes).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['webp', 96, 64]);
  });

  it('refuses path traversal and unknown ids on /storage with a JSON 404', async () => {
    expect(existsSync(path.join(gateway.dataDir, 'imagerouter.db'))).toBe(true);
    for (const rawPath of [
      '/storage/..%2F..%2Fetc%2Fpasswd',
      '/storage/../imagerouter.db',
      '/storage/..%2Fimagerouter.db',
      '/storage/%2e%2e%2fimagerouter.db',
      '/storage/..%5Cimagerouter.db',
      '/storage/imagerouter.db',
      '/storage/00000000-0000-4000-8000-000000000000.webp',
    ]) {
      const result = await getRawPath(gateway.url, rawPath);
      expect(result.status, rawPath).toBe(404);
      expect(result.headers.get('content-type'), rawPath).toMatch(/^application\/json/);
      expect(result.body, rawPath).toMatchObject({ error: { message: expect.any(String), type: 'invalid_request_error' } });
      expect(result.text, rawPath).not.toContain('SQLite format');
      expect(result.text, rawPath).not.toContain('root:');
    }
  });
});

describe('masks', () => {
  it('keeps every pixel outside the transparent area of the mask (png, same size)', async () => {
    const [width, height] = [96, 64];
    const area = { left: 24, top: 16, right: 72, bottom: 48 };
    const maskPixels = Buffer.alloc(width * height * 4, 255);
    for (let y = area.top; y < area.bottom; y += 1) {
      for (let x = area.left; x < area.right; x += 1) maskPixels[(y * width + x) * 4 + 3] = 0;
    }
    const mask = await sharp(maskPixels, { raw: { width, height, channels: 4 } })
      .png()
      .toBuffer();

    const result = await postForm(
      gateway.url,
      EDITS,
      [
        ['model', MODEL],
        ['prompt', 'fill the masked area with flowers'],
        ['size', `${width}x${height}`],
        ['output_format', 'png'],
        ['response_format', 'b64_json'],
        ['image[]', file(inputPng, 'original.png')],
        ['mask[]', file(mask, 'mask.png')],
      ],
      { key: gateway.key },
    );
    expect(result.status, result.text).toBe(200);
    const output = await rgbaPixels(decode(result.body.data[0].b64_json));
    const input = await rgbaPixels(inputPng);
    expect([output.width, output.height]).toEqual([width, height]);
    let changedInside = 0;
    for (let y = 0; y < height; y += 1) {
      for (let x = 0; x < width; x += 1) {
        const inside = x >= area.left && x < area.right && y >= area.top && y < area.bottom;
        if (!inside) expect(pixelAt(output, x, y), `pixel ${x},${y}`).toEqual(pixelAt(input, x, y));
        else if (pixelAt(output, x, y).join() !== pixelAt(input, x, y).join()) changedInside += 1;
      }
    }
    // The edit really happened inside the mask.
    expect(changedInside).toBeGreaterThan(((area.right - area.left) * (area.bottom - area.top)) / 2);
    expect((await record(result.body.id))?.hasMask).toBe(true);
  });
});

describe('upstream failures', () => {
  let limitedKey: string;
  beforeAll(async () => {
    limitedKey = await gateway.createKey({ creditsMicros: 1_000_000, name: 'failures' });
  });

  it('[[fail:429]] → 429 with Retry-After and rate_limit_error; recorded as error, credits released', async () => {
    const result = await generate({ prompt: 'busy [[fail:429]]' }, limitedKey);
    expectApiError(result, { status: 429, type: 'rate_limit_error' });
    expect(Number(result.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const generationId = result.headers.get('x-generation-id') ?? '';
    expect(generationId).toMatch(UUID);
    expect(result.headers.get('x-imagerouter-attempts')).toMatch(/^test#0=429;\d+ms$/);
    expect(await record(generationId)).toMatchObject({ status: 'error', httpStatus: 429, costMicros: 0, errorType: 'rate_limit_error' });
    expect(await remainingCredits(limitedKey)).toBe('1.0000');
  });

  it('[[fail:503]] → 503; recorded as error, credits released', async () => {
    const result = await generate({ prompt: 'down [[fail:503]]' }, limitedKey);
    expectApiError(result, { status: 503, type: 'service_unavailable' });
    expect(await record(result.headers.get('x-generation-id') ?? '')).toMatchObject({ status: 'error', httpStatus: 503, costMicros: 0 });
    expect(await remainingCredits(limitedKey)).toBe('1.0000');
  });

  it('a client that disconnects mid-generation: the record ends as error and the credits are released', async () => {
    const key = await gateway.createKey({ creditsMicros: 1_000_000, name: 'disconnects' });
    const found = await findApiKeyByToken(gateway.context.database.db, key);
    const apiKeyId = found?.apiKey.id ?? '';
    const body = JSON.stringify({ model: MODEL, prompt: 'slow [[delay:5000]]' });
    const request = http.request(`${gateway.url}${GENERATIONS}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    request.on('error', () => undefined);
    request.end(body);
    const db = gateway.context.database.db;
    const rowsOfKey = () =>
      db.selectFrom('generations').select(['id', 'status', 'http_status']).where('api_key_id', '=', apiKeyId).execute();
    // Disconnect once the generation is under way: its credits are reserved.
    await waitFor(async () => ((await remainingCredits(key)) === '0.9900' ? true : undefined), 20_000, 'the credits to be reserved');
    expect(await rowsOfKey()).toEqual([expect.objectContaining({ status: 'processing' })]);
    request.destroy();
    const finished = await waitFor(
      async () => {
        const rows = await rowsOfKey();
        return rows.length === 1 && rows[0]?.status !== 'processing' ? rows[0] : undefined;
      },
      20_000,
      'the generation to finish',
    );
    // Cancelled: left to run out its 5 s delay it would have ended in `success`.
    expect(finished.status).toBe('error');
    expect(await remainingCredits(key)).toBe('1.0000');
  });
});

describe('money', () => {
  it('insufficient credits → 402, nothing charged', async () => {
    const key = await gateway.createKey({ creditsMicros: 5_000, name: 'poor' });
    const result = await generate({ prompt: 'too expensive' }, key);
    expectApiError(result, { status: 402, type: 'insufficient_credits' });
    expect(await remainingCredits(key)).toBe('0.0050');
    expect(await record(result.headers.get('x-generation-id') ?? '')).toMatchObject({ status: 'error', httpStatus: 402, costMicros: 0 });
  });

  it('20 concurrent requests on $0.10 at $0.01 each: exactly 10 succeed, the balance ends at 0', async () => {
    const key = await gateway.createKey({ creditsMicros: 100_000, name: 'concurrent' });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) => generate({ prompt: `concurrent ${index}`, size: '64x64', n: 1 }, key)),
    );
    const statuses = results.map((result) => result.status).sort();
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.filter((status) => status === 402)).toHaveLength(10);
    for (const result of results.filter((candidate) => candidate.status === 200)) expect(result.body.cost).toBe(0.01);
    expect(await remainingCredits(key)).toBe('0.0000');
    const found = await findApiKeyByToken(gateway.context.database.db, key);
    expect(found?.account.balanceMicros).toBe(0);
  });

  it('sends X-Generation-Id and X-ImageRouter-Attempts', async () => {
    const result = await generate({ prompt: 'headers', size: '64x64' });
    expect(result.status, result.text).toBe(200);
    expect(result.headers.get('x-generation-id')).toMatch(UUID);
    expect(result.headers.get('x-generation-id')).toBe(result.body.id);
    expect(result.headers.get('x-imagerouter-attempts')).toMatch(/^test#0=ok;\d+ms$/);
    expect(result.body.cost).toBe(0.01);
    expect(result.body.created).toBeGreaterThan(1e12);
    expect(Number.isInteger(result.body.latency)).toBe(true);
  });
});

// The two slow requests run side by side.
describe.concurrent('heartbeat (IMAGEROUTER_HEARTBEAT_DELAY_MS=300, INTERVAL_MS=200)', () => {
  let heartbeatGateway: TestGateway;
  beforeAll(async () => {
    heartbeatGateway = await startTestGateway({ IMAGEROUTER_HEARTBEAT_DELAY_MS: '300', IMAGEROUTER_HEARTBEAT_INTERVAL_MS: '200' });
  });
  afterAll(async () => {
    await heartbeatGateway?.close();
  });

  it('a slow generation: 200, whitespace first, then the JSON result', async ({ expect }) => {
    const result = await postJson(
      heartbeatGateway.url,
      GENERATIONS,
      { model: MODEL, prompt: 'slow [[delay:1500]]', size: '64x64' },
      { key: heartbeatGateway.key },
    );
    expect(result.status).toBe(200);
    const leading = /^\s*/.exec(result.text)?.[0] ?? '';
    expect(leading.length).toBeGreaterThanOrEqual(2);
    const body = JSON.parse(result.text.slice(leading.length));
    expect(body.data).toHaveLength(1);
    expect(body.data[0].url).toContain('/storage/');
    expect(body.created).toBeGreaterThan(1e12);
  });

  it('a slow generation read by the openai SDK: the whitespace is skipped and the inline image comes back whole', async ({ expect }) => {
    const client = new OpenAI({ apiKey: heartbeatGateway.key, baseURL: `${heartbeatGateway.url}/v1/openai`, maxRetries: 0 });
    const result = await client.images.generate({
      model: MODEL,
      prompt: 'slow sdk [[delay:1500]]',
      size: '256x256',
      response_format: 'b64_json',
      output_format: 'png',
    });
    const bytes = Buffer.from(result.data![0]!.b64_json!, 'base64');
    expect(sniffImageFormat(bytes)).toBe('png');
    expect(await sharp(bytes).metadata()).toMatchObject({ width: 256, height: 256 });
  });

  it('a slow failure: 200 whose body is {error: {..., status: 500}}', async ({ expect }) => {
    const result = await postJson(
      heartbeatGateway.url,
      GENERATIONS,
      { model: MODEL, prompt: 'slow [[delay:1500]][[fail:500]]', size: '64x64' },
      { key: heartbeatGateway.key },
    );
    expect(result.status).toBe(200);
    expect(result.text).toMatch(/^\s+\{/);
    const body = JSON.parse(result.text);
    expect(body).not.toHaveProperty('data');
    expect(body.error).toMatchObject({ message: expect.any(String), type: expect.any(String), status: 500 });
  });
});

describe('deadline (IMAGEROUTER_REQUEST_TIMEOUT_MS=1000)', () => {
  let timeoutGateway: TestGateway;
  beforeAll(async () => {
    timeoutGateway = await startTestGateway({ IMAGEROUTER_REQUEST_TIMEOUT_MS: '1000', IMAGEROUTER_CONFIG: configFile });
  });
  afterAll(async () => {
    await timeoutGateway?.close();
  });

  it('[[delay:5000]] → 504 naming the provider, well before 5 s; credits released', async () => {
    const key = await timeoutGateway.createKey({ creditsMicros: 1_000_000 });
    const started = Date.now();
    const result = await postJson(timeoutGateway.url, GENERATIONS, { model: MODEL, prompt: 'slow [[delay:5000]]' }, { key });
    const elapsed = Date.now() - started;
    expectApiError(result, { status: 504, type: 'timeout_error', mentions: "'test'" });
    expect(elapsed).toBeGreaterThanOrEqual(900);
    const generation = await getGeneration(timeoutGateway.context.database.db, result.headers.get('x-generation-id') ?? '');
    expect(generation).toMatchObject({ status: 'error', httpStatus: 504 });
    expect(await remainingCredits(key, timeoutGateway)).toBe('1.0000');
  });
});
