import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findApiKeyByToken, revokeApiKey } from '../../src/accounts/api-key-repository.js';
import { noisyImage, pngClaimingSize, solidImage } from '../fixtures/images/make-test-images.js';
import {
  type ExpectedError,
  type FormFields,
  type FormFile,
  type HttpResult,
  PRICED_TEST_MODEL_YAML,
  expectApiError,
  getJson,
  listTree,
  postForm,
  postJson,
  postRaw,
  writeOperatorConfig,
} from '../helpers/gateway-client.js';
import { type TestGateway, startTestGateway } from '../helpers/test-gateway.js';

/**
 * Bad requests to the image endpoint: each gets the right 4xx with a JSON error naming the
 * parameter, the process stays up, nothing is written to disk and no credit is charged.
 */

const GENERATIONS = '/v1/openai/images/generations';
const EDITS = '/v1/openai/images/edits';
/** The caps of the second gateway, to provoke 413s with small uploads. */
const SMALL_MAX_IMAGE_BYTES = 1024;
const SMALL_MAX_REQUEST_BYTES = 4096;
const MODEL = 'test/test';

// Every temp file this process makes (os.tmpdir(), libvips, multipart spill-over) lands in a folder
// only this suite uses, so "no new file" can be checked exactly while other suites run in parallel.
const originalTmpdir = process.env.TMPDIR;
let privateTmp: string;
let gateway: TestGateway;
let smallGateway: TestGateway;
/** $1.00 on a model priced at $0.01: any charge would show. */
let limitedKey: string;
let revokedKey: string;
let treeBefore: string[];

let png: Buffer;
let otherPng: Buffer;
let truncatedPng: Buffer;
let maskPng: Buffer;
let smallMaskPng: Buffer;
let jpegMask: Buffer;
/** Over SMALL_MAX_IMAGE_BYTES, yet small enough that its base64 fits in SMALL_MAX_REQUEST_BYTES. */
let largePng: Buffer;
/** Under SMALL_MAX_IMAGE_BYTES; ten of them exceed SMALL_MAX_REQUEST_BYTES. */
let mediumPng: Buffer;

const file = (bytes: Buffer, filename: string, type = 'image/png'): FormFile => ({ bytes, filename, type });
const dataUri = (bytes: Buffer) => `data:image/png;base64,${bytes.toString('base64')}`;

beforeAll(async () => {
  privateTmp = await mkdtemp(path.join(os.tmpdir(), 'imagerouter-bad-inputs-'));
  process.env.TMPDIR = privateTmp;
  expect(os.tmpdir()).toBe(privateTmp);

  [png, otherPng, maskPng, smallMaskPng, jpegMask, largePng, mediumPng] = await Promise.all([
    solidImage('png', 64, 64, { r: 200, g: 40, b: 40 }),
    solidImage('png', 64, 64, { r: 40, g: 200, b: 40 }),
    solidImage('png', 64, 64, { r: 0, g: 0, b: 0, alpha: 0 }),
    solidImage('png', 32, 32, { r: 0, g: 0, b: 0, alpha: 0 }),
    solidImage('jpeg', 64, 64, { r: 0, g: 0, b: 0 }),
    noisyImage('png', 24, 24),
    noisyImage('png', 14, 14),
  ]);
  expect(largePng.length).toBeGreaterThan(SMALL_MAX_IMAGE_BYTES);
  expect(Math.ceil(largePng.length / 3) * 4 + 100).toBeLessThan(SMALL_MAX_REQUEST_BYTES);
  expect(mediumPng.length).toBeLessThan(SMALL_MAX_IMAGE_BYTES);
  expect(mediumPng.length * 10).toBeGreaterThan(SMALL_MAX_REQUEST_BYTES);
  const noisy = await noisyImage('png', 128, 128);
  truncatedPng = noisy.subarray(0, Math.floor(noisy.length / 2));

  const configFile = await writeOperatorConfig(privateTmp, PRICED_TEST_MODEL_YAML);
  gateway = await startTestGateway({ IMAGEROUTER_CONFIG: configFile });
  smallGateway = await startTestGateway({
    IMAGEROUTER_CONFIG: configFile,
    IMAGEROUTER_MAX_IMAGE_BYTES: String(SMALL_MAX_IMAGE_BYTES),
    IMAGEROUTER_MAX_REQUEST_BYTES: String(SMALL_MAX_REQUEST_BYTES),
  });
  limitedKey = await gateway.createKey({ creditsMicros: 1_000_000, name: 'limited' });
  revokedKey = await gateway.createKey({ name: 'to revoke' });
  const found = await findApiKeyByToken(gateway.context.database.db, revokedKey);
  if (!found) throw new Error('the key to revoke was not created');
  expect(await revokeApiKey(gateway.context.database.db, found.apiKey.id)).toBe(found.apiKey.id);

  const credits = await getJson(gateway.url, '/v1/credits', { key: limitedKey });
  expect(credits.body.remaining_credits).toBe('1.0000');
  treeBefore = await listTree(privateTmp);
});

afterAll(async () => {
  await gateway?.close();
  await smallGateway?.close();
  if (originalTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = originalTmpdir;
  if (privateTmp) await rm(privateTmp, { recursive: true, force: true });
});

const json = (body: unknown, key: string | null = limitedKey) => postJson(gateway.url, GENERATIONS, body, { key });
const form = (fields: FormFields, key: string | null = limitedKey) => postForm(gateway.url, EDITS, fields, { key });

interface BadInput extends ExpectedError {
  name: string;
  send: () => Promise<HttpResult>;
}

/** Each case names what is wrong through `param` or `mentions` (or both). */
const badInputs: BadInput[] = [
  {
    name: '17 images in a multipart form',
    send: () =>
      form([
        ['model', MODEL],
        ...Array.from({ length: 17 }, (_, index): [string, FormFile] => ['image[]', file(png, `image${index}.png`)]),
      ]),
    status: 400,
    param: 'image[]',
    mentions: 'at most 16',
  },
  {
    name: '17 images in JSON',
    send: () => json({ model: MODEL, image: Array.from({ length: 17 }, () => dataUri(png)) }),
    status: 400,
    param: 'image[]',
    mentions: 'at most 16',
  },
  {
    name: 'a text file as image',
    send: () =>
      form([
        ['model', MODEL],
        ['image[]', file(Buffer.from('just some text, not a picture\n'), 'notes.png')],
      ]),
    status: 400,
    param: 'image[]',
    code: 'unsupported_image_format',
  },
  {
    name: 'a truncated PNG',
    send: () =>
      form([
        ['model', MODEL],
        ['image', file(truncatedPng, 'cut.png')],
      ]),
    status: 400,
    param: 'image',
    code: 'invalid_image',
  },
  {
    name: 'a PNG header that claims 10000x10000 pixels',
    send: async () =>
      form([
        ['model', MODEL],
        ['image[]', file(await pngClaimingSize(10_000, 10_000), 'bomb.png')],
      ]),
    status: 400,
    param: 'image[]',
    code: 'image_too_large',
  },
  {
    name: 'a mask of another size than the image',
    send: () =>
      form([
        ['model', MODEL],
        ['image[]', file(png, 'image.png')],
        ['mask[]', file(smallMaskPng, 'mask.png')],
      ]),
    status: 400,
    param: 'mask',
    mentions: 'same dimensions',
  },
  {
    name: 'a JPEG mask',
    send: () =>
      form([
        ['model', MODEL],
        ['image[]', file(png, 'image.png')],
        ['mask[]', file(jpegMask, 'mask.jpg', 'image/jpeg')],
      ]),
    status: 400,
    param: 'mask',
    mentions: 'JPEG',
  },
  {
    name: 'a PNG mask without an alpha channel',
    send: () =>
      form([
        ['model', MODEL],
        ['image[]', file(png, 'image.png')],
        ['mask', file(otherPng, 'mask.png')],
      ]),
    status: 400,
    param: 'mask',
    mentions: 'alpha',
  },
  { name: "size 'abc'", send: () => json({ model: MODEL, size: 'abc' }), status: 400, param: 'size' },
  { name: "size '10x10x10'", send: () => json({ model: MODEL, size: '10x10x10' }), status: 400, param: 'size' },
  { name: "size '0x0'", send: () => json({ model: MODEL, size: '0x0' }), status: 400, param: 'size', mentions: '0x0' },
  {
    name: "size '99999x99999' (out of the model's range)",
    send: () => json({ model: MODEL, size: '99999x99999' }),
    status: 400,
    param: 'size',
    mentions: '4096',
  },
  { name: 'size as a number', send: () => json({ model: MODEL, size: 1024 }), status: 400, param: 'size' },
  { name: 'n=0', send: () => json({ model: MODEL, n: 0 }), status: 400, param: 'n' },
  {
    name: 'n=11 (the model returns at most 10)',
    send: () => json({ model: MODEL, n: 11 }),
    status: 400,
    param: 'n',
    mentions: 'at most 10',
  },
  {
    name: "n='abc' in a form",
    send: () =>
      form([
        ['model', MODEL],
        ['n', 'abc'],
      ]),
    status: 400,
    param: 'n',
  },
  {
    name: 'malformed JSON',
    send: () =>
      postRaw(gateway.url, GENERATIONS, '{"model": "test/test", "prompt": ', { key: limitedKey, contentType: 'application/json' }),
    status: 400,
    param: 'body',
    code: 'invalid_json',
  },
  {
    name: 'an urlencoded body (curl -d)',
    send: () =>
      postRaw(gateway.url, GENERATIONS, 'model=test%2Ftest&prompt=a+cat', {
        key: limitedKey,
        contentType: 'application/x-www-form-urlencoded',
      }),
    status: 415,
    param: 'body',
    code: 'unsupported_media_type',
  },
  {
    name: 'a text/plain body',
    send: () => postRaw(gateway.url, GENERATIONS, 'model=test/test', { key: limitedKey, contentType: 'text/plain' }),
    status: 415,
    param: 'body',
  },
  {
    name: 'a multipart body cut off in the middle',
    send: () =>
      postRaw(gateway.url, EDITS, '--XYZ\r\nContent-Disposition: form-data; name="model"\r\n\r\ntest/te', {
        key: limitedKey,
        contentType: 'multipart/form-data; boundary=XYZ',
      }),
    status: 400,
    param: 'body',
  },
  {
    name: 'a 10,001-character prompt',
    send: () => json({ model: MODEL, prompt: 'a'.repeat(10_001) }),
    status: 400,
    param: 'prompt',
    mentions: '10,000',
  },
  { name: 'prompt as a number', send: () => json({ model: MODEL, prompt: 42 }), status: 400, param: 'prompt' },
  {
    name: 'an image URL to the cloud metadata address 169.254.169.254',
    send: () => json({ model: MODEL, prompt: 'x', image: 'http://169.254.169.254/latest/meta-data/' }),
    status: 400,
    param: 'image[0]',
    code: 'download_blocked_address',
  },
  {
    name: 'an image URL to 127.0.0.1',
    send: () => json({ model: MODEL, prompt: 'x', image: `http://127.0.0.1:${new URL(gateway.url).port}/health` }),
    status: 400,
    param: 'image[0]',
    code: 'download_blocked_address',
  },
  {
    name: 'an image URL to localhost by name',
    send: () => json({ model: MODEL, prompt: 'x', 'image[]': [`http://localhost:${new URL(gateway.url).port}/health`] }),
    status: 400,
    param: 'image[0]',
    code: 'download_blocked_address',
  },
  {
    name: 'an image URL to [::1]',
    send: () => json({ model: MODEL, prompt: 'x', image: 'http://[::1]/a.png' }),
    status: 400,
    param: 'image[0]',
    code: 'download_blocked_address',
  },
  { name: 'file:///etc/passwd as image', send: () => json({ model: MODEL, image: 'file:///etc/passwd' }), status: 400, param: 'image[0]' },
  { name: 'invalid base64 as image', send: () => json({ model: MODEL, image: '%%% not base64 %%%' }), status: 400, param: 'image[0]' },
  {
    name: 'a data URI that is not base64',
    send: () => json({ model: MODEL, image: 'data:image/png,rawbytes' }),
    status: 400,
    param: 'image[0]',
    mentions: 'base64',
  },
  { name: 'image as a number', send: () => json({ model: MODEL, image: 12 }), status: 400, param: 'image' },
  {
    name: 'a revoked key',
    send: () => json({ model: MODEL, prompt: 'x' }, revokedKey),
    status: 401,
    type: 'unauthorized',
    code: 'invalid_api_key',
    mentions: 'Invalid API key',
  },
  {
    name: 'an unknown key',
    send: () => json({ model: MODEL, prompt: 'x' }, `ir_${'0'.repeat(40)}`),
    status: 401,
    mentions: 'Invalid API key',
  },
  {
    name: 'no Authorization header',
    send: () => json({ model: MODEL, prompt: 'x' }, null),
    status: 401,
    type: 'unauthorized',
    mentions: 'Authorization',
  },
  {
    name: 'Authorization: Basic',
    send: () =>
      postJson(
        gateway.url,
        GENERATIONS,
        { model: MODEL },
        { key: null, headers: { authorization: `Basic ${Buffer.from(`user:${limitedKey}`).toString('base64')}` } },
      ),
    status: 401,
    mentions: 'Bearer',
  },
  {
    name: 'an empty Bearer token',
    send: () => postJson(gateway.url, GENERATIONS, { model: MODEL }, { key: null, headers: { authorization: 'Bearer   ' } }),
    status: 401,
    mentions: 'Bearer',
  },
  {
    name: 'an unknown model',
    send: () => json({ model: 'nobody/no-such-model', prompt: 'x' }),
    status: 404,
    param: 'model',
    code: 'model_not_found',
    mentions: 'nobody/no-such-model',
  },
  { name: 'no model', send: () => json({ prompt: 'x' }), status: 400, param: 'model', mentions: 'required' },
  {
    name: 'an empty model',
    send: () =>
      form([
        ['model', ''],
        ['prompt', 'x'],
      ]),
    status: 400,
    param: 'model',
  },
  { name: 'model as a number', send: () => json({ model: 7, prompt: 'x' }), status: 400, param: 'model', mentions: 'string' },
  { name: "quality 'ultra'", send: () => json({ model: MODEL, quality: 'ultra' }), status: 400, param: 'quality', mentions: 'ultra' },
  { name: "response_format 'xml'", send: () => json({ model: MODEL, response_format: 'xml' }), status: 400, param: 'response_format' },
  { name: "output_format 'gif'", send: () => json({ model: MODEL, output_format: 'gif' }), status: 400, param: 'output_format' },
  {
    name: 'a mask without an image',
    send: () =>
      form([
        ['model', MODEL],
        ['prompt', 'x'],
        ['mask[]', file(maskPng, 'mask.png')],
      ]),
    status: 400,
    param: 'mask',
    mentions: 'image',
  },
  {
    name: "an unexpected file field 'photo'",
    send: () =>
      form([
        ['model', MODEL],
        ['photo', file(png, 'photo.png')],
      ]),
    status: 400,
    param: 'photo',
    mentions: 'photo',
  },
  {
    name: 'two masks',
    send: () =>
      form([
        ['model', MODEL],
        ['image[]', file(png, 'image.png')],
        ['mask[]', file(maskPng, 'mask1.png')],
        ['mask[]', file(maskPng, 'mask2.png')],
      ]),
    status: 400,
    param: 'mask[]',
    mentions: 'one mask',
  },
  {
    name: 'two masks in JSON',
    send: () => json({ model: MODEL, prompt: 'x', image: dataUri(png), mask: [dataUri(maskPng), dataUri(maskPng)] }),
    status: 400,
    param: 'mask',
    mentions: 'one mask',
  },
  { name: 'stream: true', send: () => json({ model: MODEL, prompt: 'x', stream: true }), status: 400, param: 'stream' },
  { name: 'a JSON array body', send: () => json([{ model: MODEL }]), status: 400, param: 'body' },
  { name: 'a JSON string body', send: () => json('test/test'), status: 400, param: 'body' },
  {
    name: 'an empty body with Content-Type application/json',
    send: () => postRaw(gateway.url, GENERATIONS, '', { key: limitedKey, contentType: 'application/json' }),
    status: 400,
    param: 'body',
  },
  { name: 'no body at all', send: () => postRaw(gateway.url, GENERATIONS, undefined, { key: limitedKey }), status: 400, param: 'body' },
  {
    name: 'an upload over IMAGEROUTER_MAX_IMAGE_BYTES',
    send: () =>
      postForm(
        smallGateway.url,
        EDITS,
        [
          ['model', MODEL],
          ['image[]', file(largePng, 'large.png')],
        ],
        { key: smallGateway.key },
      ),
    status: 413,
    param: 'image[]',
    code: 'file_too_large',
    mentions: String(SMALL_MAX_IMAGE_BYTES),
  },
  {
    name: 'uploads over IMAGEROUTER_MAX_REQUEST_BYTES together',
    send: () =>
      postForm(
        smallGateway.url,
        EDITS,
        [
          ['model', MODEL],
          ...Array.from({ length: 10 }, (_, index): [string, FormFile] => ['image[]', file(mediumPng, `image${index}.png`)]),
        ],
        { key: smallGateway.key },
      ),
    status: 413,
    param: 'image[]',
    code: 'request_too_large',
    mentions: String(SMALL_MAX_REQUEST_BYTES),
  },
  {
    name: 'a base64 image over IMAGEROUTER_MAX_IMAGE_BYTES',
    send: () => postJson(smallGateway.url, GENERATIONS, { model: MODEL, image: largePng.toString('base64') }, { key: smallGateway.key }),
    status: 400,
    param: 'image[0]',
    mentions: String(SMALL_MAX_IMAGE_BYTES),
  },
  {
    name: 'a JSON body over IMAGEROUTER_MAX_REQUEST_BYTES',
    send: () =>
      postJson(
        smallGateway.url,
        GENERATIONS,
        { model: MODEL, prompt: 'x', padding: 'p'.repeat(2 * SMALL_MAX_REQUEST_BYTES) },
        { key: smallGateway.key },
      ),
    status: 413,
    param: 'body',
    code: 'body_too_large',
  },
  {
    name: '[[fail:600]] in the prompt',
    send: () => json({ model: MODEL, prompt: 'a cat [[fail:600]]' }),
    status: 400,
    param: 'prompt',
    mentions: '[[fail:600]]',
  },
  {
    name: '[[delay:999999]] in the prompt',
    send: () => json({ model: MODEL, prompt: 'a cat [[delay:999999]]' }),
    status: 400,
    param: 'prompt',
    mentions: '[[delay:999999]]',
  },
];

describe('bad inputs to the image endpoint', () => {
  afterEach(async () => {
    // The process is still serving after every bad request.
    for (const target of [gateway, smallGateway]) {
      const health = await getJson(target.url, '/health');
      expect(health.status).toBe(200);
      expect(health.body).toEqual({ status: 'ok' });
    }
  });

  it('has at least 30 cases, each naming what is wrong', () => {
    expect(badInputs.length).toBeGreaterThanOrEqual(30);
    for (const input of badInputs) expect(input.param ?? input.mentions, input.name).toBeDefined();
    expect(new Set(badInputs.map((input) => input.name)).size).toBe(badInputs.length);
  });

  for (const input of badInputs) {
    it(`${input.name} → ${input.status}${input.param ? ` naming ${input.param}` : ''}`, async () => {
      const result = await input.send();
      expectApiError(result, input);
      expect(result.status).toBeGreaterThanOrEqual(400);
      expect(result.status).toBeLessThan(500);
    });
  }

  it('charged nothing for any of them', async () => {
    const credits = await getJson(gateway.url, '/v1/credits', { key: limitedKey });
    expect(credits.status).toBe(200);
    expect(credits.body).toMatchObject({ remaining_credits: '1.0000', credit_usage: '0.0000', total_deposits: '1.0000' });
  });

  it('left no file behind: no temp file, no stored image', async () => {
    expect(await listTree(privateTmp)).toEqual(treeBefore);
    expect((await listTree(path.join(gateway.dataDir, 'images'))).length).toBe(0);
    expect((await listTree(path.join(smallGateway.dataDir, 'images'))).length).toBe(0);
  });
});

describe('unknown parameters', () => {
  it('never break a JSON request: 200 with a warning naming each', async () => {
    const result = await postJson(
      gateway.url,
      GENERATIONS,
      { model: MODEL, prompt: 'a cat', user: 'user-1234', style: 'vivid' },
      { key: gateway.key },
    );
    expect(result.status, result.text).toBe(200);
    expect(result.body.data).toHaveLength(1);
    const settings = (result.body.warnings as Array<{ type: string; setting: string; message: string }>).map((warning) => warning.setting);
    expect(settings.sort()).toEqual(['style', 'user']);
    for (const warning of result.body.warnings) {
      expect(warning.type).toBe('unsupported');
      expect(warning.message).toContain(warning.setting);
    }
  });

  it('never break a multipart request either', async () => {
    const result = await postForm(
      gateway.url,
      EDITS,
      [
        ['model', MODEL],
        ['prompt', 'a cat'],
        ['background', 'transparent'],
        ['image[]', file(png, 'image.png')],
      ],
      {
        key: gateway.key,
      },
    );
    expect(result.status, result.text).toBe(200);
    expect(result.body.warnings).toEqual([expect.objectContaining({ type: 'unsupported', setting: 'background' })]);
  });

  it('a request without unknown parameters has no warnings field', async () => {
    const result = await postJson(
      gateway.url,
      GENERATIONS,
      { model: MODEL, prompt: 'a cat', response_format: 'b64_ephemeral' },
      { key: gateway.key },
    );
    expect(result.status, result.text).toBe(200);
    expect(result.body).not.toHaveProperty('warnings');
  });
});
