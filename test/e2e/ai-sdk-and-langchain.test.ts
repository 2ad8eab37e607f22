import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { DallEAPIWrapper } from '@langchain/openai';
import OpenAI, { toFile } from 'openai';
import { generateImage } from 'ai';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getGeneration } from '../../src/accounts/generation-repository.js';
import { noisyImage } from '../fixtures/images/make-test-images.js';
import { fetchBytes } from '../helpers/gateway-client.js';
import { type TestGateway, startTestGateway } from '../helpers/test-gateway.js';

/**
 * Clients people already use, pointed at the gateway with nothing changed but the base URL and key:
 * the Vercel AI SDK (`ai` with `@ai-sdk/openai` and `@ai-sdk/openai-compatible`) and LangChain's
 * `DallEAPIWrapper` with its DALL·E-era defaults.
 */

const MODEL = 'test/test';

let gateway: TestGateway;
let inputPng: Buffer;
let secondPng: Buffer;
let maskPng: Buffer;

beforeAll(async () => {
  gateway = await startTestGateway();
  inputPng = await noisyImage('png', 128, 96);
  secondPng = await noisyImage('png', 64, 64);
  const pixels = Buffer.alloc(128 * 96 * 4, 255);
  for (let y = 16; y < 48; y += 1) for (let x = 16; x < 80; x += 1) pixels[(y * 128 + x) * 4 + 3] = 0;
  maskPng = await sharp(pixels, { raw: { width: 128, height: 96, channels: 4 } })
    .png()
    .toBuffer();
});

afterAll(async () => {
  await gateway?.close();
});

/** The generation record behind the latest request of this key, to see what the gateway received. */
async function latestRecord() {
  const rows = await gateway.context.database.db.selectFrom('generations').select('id').orderBy('created_at', 'desc').limit(1).execute();
  return getGeneration(gateway.context.database.db, rows[0]!.id);
}

describe('response_format when the client sends none', () => {
  it("is b64_json on OpenAI's paths (generations and edits) and url on ImageRouter's; an explicit one always wins", async () => {
    const onOpenAIPaths = new OpenAI({ apiKey: gateway.key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const onImageRouterPaths = new OpenAI({ apiKey: gateway.key, baseURL: `${gateway.url}/v1/openai`, maxRetries: 0 });
    const generated = await onOpenAIPaths.images.generate({ model: MODEL, prompt: 'default format', size: '64x64' });
    expect(generated.data?.[0]).toMatchObject({ b64_json: expect.any(String) });
    expect(generated.data?.[0]?.url).toBeUndefined();
    const edited = await onOpenAIPaths.images.edit({
      model: MODEL,
      prompt: 'edit',
      image: await toFile(inputPng, 'in.png', { type: 'image/png' }),
      size: '128x96',
    });
    expect(edited.data?.[0]).toMatchObject({ b64_json: expect.any(String) });
    const explicit = await onOpenAIPaths.images.generate({ model: MODEL, prompt: 'explicit url', size: '64x64', response_format: 'url' });
    expect(explicit.data?.[0]?.url).toMatch(/\/storage\//);
    const imageRouter = await onImageRouterPaths.images.generate({ model: MODEL, prompt: 'imagerouter default', size: '64x64' });
    expect(imageRouter.data?.[0]?.url).toMatch(/\/storage\//);
    expect(imageRouter.data?.[0]?.b64_json).toBeUndefined();
    // Every item carries `revised_prompt`, null when the upstream kept the prompt (as OpenAI and the public service).
    for (const item of [...(generated.data ?? []), ...(edited.data ?? []), ...(explicit.data ?? []), ...(imageRouter.data ?? [])]) {
      expect(item).toHaveProperty('revised_prompt', null);
    }
  });
});

describe('Vercel AI SDK, @ai-sdk/openai with baseURL …/v1', () => {
  const openai = () => createOpenAI({ apiKey: gateway.key, baseURL: `${gateway.url}/v1` });

  it('generates with size, and n: 3 in one call gives 3 distinct images', async () => {
    const { images } = await generateImage({
      model: openai().image(MODEL),
      prompt: 'three lighthouses',
      size: '256x128',
      n: 3,
      maxImagesPerCall: 3,
      maxRetries: 0,
    });
    expect(images).toHaveLength(3);
    const hashes = new Set(images.map((image) => image.base64));
    expect(hashes.size).toBe(3);
    for (const image of images) {
      const metadata = await sharp(Buffer.from(image.uint8Array)).metadata();
      expect([metadata.width, metadata.height]).toEqual([256, 128]);
    }
    expect(await latestRecord()).toMatchObject({ n: 3, responseFormat: 'b64_json' });
  });

  it('honours providerOptions.openai.outputFormat', async () => {
    const { image } = await generateImage({
      model: openai().image(MODEL),
      prompt: 'a png kite',
      size: '128x128',
      providerOptions: { openai: { outputFormat: 'png' } },
      maxRetries: 0,
    });
    expect((await sharp(Buffer.from(image.uint8Array)).metadata()).format).toBe('png');
    expect(image.mediaType).toBe('image/png');
  });

  it('edits one image', async () => {
    const { image } = await generateImage({
      model: openai().image(MODEL),
      prompt: { text: 'add snow', images: [inputPng] },
      size: '128x96',
      maxRetries: 0,
    });
    expect(await sharp(Buffer.from(image.uint8Array)).metadata()).toMatchObject({ width: 128, height: 96 });
    expect(await latestRecord()).toMatchObject({ inputImageCount: 1, hasMask: false });
  });

  it('edits two images with a mask', async () => {
    const { image } = await generateImage({
      model: openai().image(MODEL),
      prompt: { text: 'merge them', images: [inputPng, secondPng], mask: maskPng },
      size: '128x96',
      maxRetries: 0,
    });
    expect(image.uint8Array.byteLength).toBeGreaterThan(0);
    expect(await latestRecord()).toMatchObject({ inputImageCount: 2, hasMask: true, status: 'success' });
  });
});

describe('Vercel AI SDK, @ai-sdk/openai-compatible', () => {
  const compatible = () => createOpenAICompatible({ name: 'imagerouter', apiKey: gateway.key, baseURL: `${gateway.url}/v1` });

  it('generates', async () => {
    const { image } = await generateImage({
      model: compatible().imageModel(MODEL),
      prompt: 'a compatible kite',
      size: '96x96',
      maxRetries: 0,
    });
    expect(await sharp(Buffer.from(image.uint8Array)).metadata()).toMatchObject({ width: 96, height: 96 });
  });

  it('edits with a mask', async () => {
    const { image } = await generateImage({
      model: compatible().imageModel(MODEL),
      prompt: { text: 'inpaint', images: [inputPng], mask: maskPng },
      size: '128x96',
      maxRetries: 0,
    });
    expect(image.uint8Array.byteLength).toBeGreaterThan(0);
    expect(await latestRecord()).toMatchObject({ inputImageCount: 1, hasMask: true });
  });
});

describe('LangChain DallEAPIWrapper', () => {
  it("works with its defaults (quality 'standard', style 'vivid', url)", async () => {
    const tool = new DallEAPIWrapper({ apiKey: gateway.key, baseUrl: `${gateway.url}/v1`, model: MODEL, size: '256x256' });
    const url = await tool.invoke('a vivid lighthouse');
    expect(typeof url).toBe('string');
    expect(String(url).startsWith(`${gateway.url}/storage/`)).toBe(true);
    const image = await fetchBytes(String(url));
    expect(image.status).toBe(200);
    const record = await latestRecord();
    expect(record).toMatchObject({ quality: 'medium', status: 'success' });
    expect(record?.warnings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'adapted', setting: 'quality' }),
        expect.objectContaining({ type: 'unsupported', setting: 'style' }),
      ]),
    );
  });

  it("with quality 'hd' and b64_json", async () => {
    const tool = new DallEAPIWrapper({
      apiKey: gateway.key,
      baseUrl: `${gateway.url}/v1`,
      model: MODEL,
      size: '256x256',
      quality: 'hd',
      dallEResponseFormat: 'b64_json',
    });
    const b64 = await tool.invoke('an hd lighthouse');
    expect((await sharp(Buffer.from(String(b64), 'base64')).metadata()).width).toBe(256);
    expect(await latestRecord()).toMatchObject({ quality: 'high', responseFormat: 'b64_json' });
  });
});
