import OpenAI, { toFile } from 'openai';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getGeneration } from '../../src/accounts/generation-repository.js';
import { sniffImageFormat } from '../../src/images/sniff-image-format.js';
import { noisyImage } from '../fixtures/images/make-test-images.js';
import { fetchBytes } from '../helpers/gateway-client.js';
import { type TestGateway, startTestGateway } from '../helpers/test-gateway.js';

/** The official `openai` SDK (v6) against the gateway, on both base URLs it may be given. */

const MODEL = 'test/test';

let gateway: TestGateway;
let inputPng: Buffer;
let maskPng: Buffer;

beforeAll(async () => {
  gateway = await startTestGateway();
  inputPng = await noisyImage('png', 128, 96);
  // Opaque except a transparent square: the area to edit.
  const pixels = Buffer.alloc(128 * 96 * 4, 255);
  for (let y = 32; y < 64; y += 1) for (let x = 32; x < 96; x += 1) pixels[(y * 128 + x) * 4 + 3] = 0;
  maskPng = await sharp(pixels, { raw: { width: 128, height: 96, channels: 4 } })
    .png()
    .toBuffer();
});

afterAll(async () => {
  await gateway?.close();
});

const decode = (b64: string | undefined) => {
  if (b64 === undefined) throw new Error('expected b64_json');
  return Buffer.from(b64, 'base64');
};

/** The generation record behind a response (our `id` field), to see what the gateway actually received. */
const recordOf = async (response: object) => getGeneration(gateway.context.database.db, String((response as { id?: unknown }).id));

for (const basePath of ['/v1/openai', '/v1']) {
  describe(`baseURL ${basePath}`, () => {
    let client: OpenAI;
    beforeAll(() => {
      client = new OpenAI({ apiKey: gateway.key, baseURL: `${gateway.url}${basePath}`, maxRetries: 0 });
    });

    it('images.generate with b64_json, png, n=2, size 512x256', async () => {
      const response = await client.images.generate({
        model: MODEL,
        prompt: 'a lighthouse at dusk',
        response_format: 'b64_json',
        output_format: 'png',
        n: 2,
        size: '512x256',
      });
      expect(response.created).toBeGreaterThan(1e12);
      expect(response.data).toHaveLength(2);
      const images = (response.data ?? []).map((item) => decode(item.b64_json));
      for (const bytes of images) {
        const metadata = await sharp(bytes).metadata();
        expect([metadata.format, metadata.width, metadata.height]).toEqual(['png', 512, 256]);
      }
      expect(images[0]?.equals(images[1] ?? Buffer.alloc(0))).toBe(false);
    });

    it('images.generate with url: the URL serves the image', async () => {
      const response = await client.images.generate({ model: MODEL, prompt: 'a red kite', response_format: 'url', size: '256x256' });
      const url = response.data?.[0]?.url;
      expect(url).toMatch(/\/storage\/[\w-]+\.webp$/);
      const served = await fetchBytes(url ?? '');
      expect(served.headers.get('content-type')).toBe('image/webp');
      const metadata = await sharp(served.bytes).metadata();
      expect([metadata.format, metadata.width, metadata.height]).toEqual(['webp', 256, 256]);
    });

    it('images.edit with one image (toFile)', async () => {
      const response = await client.images.edit({
        model: MODEL,
        prompt: 'make it blue',
        image: await toFile(inputPng, 'input.png', { type: 'image/png' }),
        response_format: 'b64_json',
        size: '128x96',
      });
      const bytes = decode(response.data?.[0]?.b64_json);
      expect(sniffImageFormat(bytes)).toBe('webp');
      const metadata = await sharp(bytes).metadata();
      expect([metadata.width, metadata.height]).toEqual([128, 96]);
      expect(await recordOf(response)).toMatchObject({ inputImageCount: 1, hasMask: false });
    });

    it('images.edit with three images', async () => {
      const response = await client.images.edit({
        model: MODEL,
        prompt: 'combine these images',
        image: await Promise.all([1, 2, 3].map((index) => toFile(inputPng, `input${index}.png`, { type: 'image/png' }))),
        response_format: 'b64_json',
      });
      expect(sniffImageFormat(decode(response.data?.[0]?.b64_json))).toBe('webp');
      expect(await recordOf(response)).toMatchObject({ inputImageCount: 3 });
    });

    it('images.edit with an image and a mask', async () => {
      const response = await client.images.edit({
        model: MODEL,
        prompt: 'fill the masked area with flowers',
        image: await toFile(inputPng, 'original.png', { type: 'image/png' }),
        mask: await toFile(maskPng, 'mask.png', { type: 'image/png' }),
        output_format: 'png',
        response_format: 'b64_json',
        size: '128x96',
      });
      const metadata = await sharp(decode(response.data?.[0]?.b64_json)).metadata();
      expect([metadata.format, metadata.width, metadata.height]).toEqual(['png', 128, 96]);
      expect(await recordOf(response)).toMatchObject({ inputImageCount: 1, hasMask: true });
    });

    it('a bad key → AuthenticationError 401', async () => {
      const badClient = new OpenAI({ apiKey: 'sk-not-a-real-key', baseURL: `${gateway.url}${basePath}`, maxRetries: 0 });
      const error = await badClient.images.generate({ model: MODEL, prompt: 'x' }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
      expect((error as InstanceType<typeof OpenAI.AuthenticationError>).status).toBe(401);
      expect((error as InstanceType<typeof OpenAI.AuthenticationError>).message).toContain('Invalid API key');
    });

    it("size 'abc' → BadRequestError 400 whose param is 'size'", async () => {
      const error = await client.images.generate({ model: MODEL, prompt: 'x', size: 'abc' }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      const badRequest = error as InstanceType<typeof OpenAI.BadRequestError>;
      expect(badRequest.status).toBe(400);
      expect(badRequest.param).toBe('size');
      expect(badRequest.type).toBe('invalid_request_error');
      expect(badRequest.message).toContain("'size'");
      expect(badRequest.requestID).toEqual(expect.any(String));
    });

    it('an unknown model → NotFoundError 404 whose param is model', async () => {
      const error = await client.images.generate({ model: 'nobody/nothing', prompt: 'x' }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect((error as InstanceType<typeof OpenAI.NotFoundError>).param).toBe('model');
      expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
    });
  });
}

describe('models', () => {
  it('models.list on /v1/openai contains test/test', async () => {
    const client = new OpenAI({ apiKey: gateway.key, baseURL: `${gateway.url}/v1/openai`, maxRetries: 0 });
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain(MODEL);
    const model = await client.models.retrieve(MODEL);
    expect(model.id).toBe(MODEL);
  });

  // `/v1/models` keeps ImageRouter's object-keyed-by-id shape (the public API's shape) for curl and other clients;
  // OpenAI SDK requests (X-Stainless-Lang) get the OpenAI list form.
  it('models.list on /v1 contains test/test, while curl still gets the keyed object', async () => {
    const client = new OpenAI({ apiKey: gateway.key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain(MODEL);
    const plain = (await (await fetch(`${gateway.url}/v1/models`)).json()) as Record<string, unknown>;
    expect(plain[MODEL]).toMatchObject({ output: ['image'] });
  });

  it('models.retrieve on /v1 finds test/test', async () => {
    const client = new OpenAI({ apiKey: gateway.key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const model = await client.models.retrieve(MODEL);
    expect(model.id).toBe(MODEL);
  });
});
