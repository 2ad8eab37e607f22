import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { InputImage } from '../../../../src/domain/image-request.js';
import { createOpenAICompatibleAdapter } from '../../../../src/providers/openai-compatible/openai-compatible-adapter.js';
import type { ProviderImage } from '../../../../src/providers/provider.js';
import { startAzureFake } from '../../../fakes/azure-fake.js';
import { startDeepInfraFake } from '../../../fakes/deepinfra-fake.js';
import { fakeImage, formDataOf, jsonOf, sendJson, startFakeUpstream, type FakeUpstream } from '../../../fakes/fake-upstream.js';
import { LOCALAI_LOADING_MODEL, startLocalAIFake } from '../../../fakes/localai-fake.js';
import { startOpenAICompatibleFake } from '../../../fakes/openai-compatible-fake.js';
import { startTogetherFake } from '../../../fakes/together-fake.js';
import { startXaiFake, XAI_TICKS_PER_IMAGE, XAI_TICKS_PER_INPUT_IMAGE } from '../../../fakes/xai-fake.js';
import { upstreamFailure } from '../../../helpers/caught-error.js';
import { API_KEY, callFor, type CallOverrides } from './openai-compatible-fixtures.js';

const fakes: FakeUpstream[] = [];
async function started(fake: Promise<FakeUpstream>): Promise<FakeUpstream> {
  const running = await fake;
  fakes.push(running);
  return running;
}
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

const adapter = createOpenAICompatibleAdapter();
const callAt = (fake: FakeUpstream, flavor: string, overrides: CallOverrides = {}) =>
  callFor(flavor, { baseUrl: fake.baseUrl, ...overrides });
const apiCalls = (fake: FakeUpstream) => fake.calls.filter((call) => call.kind === 'api');
const bodyOf = (index: number, fake: FakeUpstream) => jsonOf(apiCalls(fake)[index]!) as Record<string, unknown>;

async function inputImage(width: number, height: number, format: 'png' | 'webp' = 'png'): Promise<InputImage> {
  return { bytes: await fakeImage(width, height, format), format, width, height, hasAlpha: false };
}

/** OpenAI's convention: the left half transparent (edit here), the right half opaque (keep). */
async function halfTransparentMask(width: number, height: number): Promise<InputImage> {
  const pixels = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) pixels[(y * width + x) * 4 + 3] = x < width / 2 ? 0 : 255;
  }
  const bytes = await sharp(pixels, { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer();
  return { bytes, format: 'png', width, height, hasAlpha: true };
}

async function sizeOfBase64(image: ProviderImage | undefined): Promise<string> {
  if (!image || !('base64' in image)) throw new Error('expected a base64 image');
  const metadata = await sharp(Buffer.from(image.base64.toString('latin1'), 'base64')).metadata();
  return `${metadata.format}:${metadata.width}x${metadata.height}`;
}

describe('openai-compatible adapter: how many requests', () => {
  it('splits n above the flavor limit: Together n=6 → 4 + 2, real images at the requested size', async () => {
    const fake = await started(startTogetherFake(API_KEY));
    const result = await adapter.generate(
      callAt(fake, 'together', {
        upstreamModel: 'black-forest-labs/FLUX.1-schnell',
        n: 6,
        request: { n: 6, size: { width: 512, height: 384 } },
      }),
    );
    expect(apiCalls(fake).map((call) => (jsonOf(call) as { n: number }).n)).toEqual([4, 2]);
    expect(result.images).toHaveLength(6);
    expect(await sizeOfBase64(result.images[5])).toBe('png:512x384');
    expect(bodyOf(0, fake)).toMatchObject({ response_format: 'base64', width: 512, height: 384, output_format: 'png' });
    expect(apiCalls(fake).every((call) => call.headers.authorization === `Bearer ${API_KEY}`)).toBe(true);
  });

  it('asks again when a server ignores n, and stops on an answer without images', async () => {
    const onePerRequest = await started(
      startFakeUpstream({
        basePath: '/v1',
        supports: ['success'],
        handler: async (_request, response) =>
          sendJson(response, 200, { created: 1, data: [{ b64_json: (await fakeImage(32, 32)).toString('base64') }] }),
      }),
    );
    const result = await adapter.generate(callAt(onePerRequest, 'generic', { n: 3, request: { n: 3 } }));
    expect(result.images).toHaveLength(3);
    expect(apiCalls(onePerRequest).map((call) => (jsonOf(call) as { n: number }).n)).toEqual([3, 2, 1]);

    const empty = await started(
      startFakeUpstream({
        basePath: '/v1',
        supports: ['success'],
        handler: (_request, response) => sendJson(response, 200, { created: 1, data: [] }),
      }),
    );
    const error = await upstreamFailure(adapter.generate(callAt(empty, 'generic', { n: 2, request: { n: 2 } })));
    expect(error.kind).toBe('upstream_error');
    expect(apiCalls(empty)).toHaveLength(1);
  });

  it('SGLang gets a fresh random seed per request, so repeated prompts differ', async () => {
    const fake = await started(startOpenAICompatibleFake({ flavor: 'sglang' }));
    const seeds = [11, 12];
    const seeded = createOpenAICompatibleAdapter({ randomSeed: () => seeds.shift() ?? 0 });
    await seeded.generate(callAt(fake, 'sglang', { apiKey: undefined, n: 2, request: { n: 2 }, settings: { max_images_per_request: 1 } }));
    expect(apiCalls(fake).map((call) => (jsonOf(call) as { seed: number }).seed)).toEqual([11, 12]);
    expect(apiCalls(fake).every((call) => call.headers.authorization === undefined)).toBe(true);
  });
});

describe('openai-compatible adapter: xAI', () => {
  it('edits with two images as JSON data URIs, and reports the exact cost from ticks', async () => {
    const fake = await started(startXaiFake(API_KEY));
    const images = [await inputImage(64, 48), await inputImage(40, 40, 'webp')];
    const result = await adapter.generate(
      callAt(fake, 'xai', { upstreamModel: 'grok-imagine-image', request: { images, size: { width: 1024, height: 1024 } } }),
    );
    expect(apiCalls(fake)[0]?.path).toBe('/v1/images/edits');
    const sent = bodyOf(0, fake) as { images: Array<{ url: string }> };
    expect(sent.images.map((image) => image.url.slice(0, 22))).toEqual(['data:image/png;base64,', 'data:image/webp;base64']);
    expect(result.reportedCostMicros).toBe((XAI_TICKS_PER_IMAGE + 2 * XAI_TICKS_PER_INPUT_IMAGE) / 10_000);
    expect(await sizeOfBase64(result.images[0])).toBe('jpeg:1024x1024');
  });

  it('sums the cost of every request of a call', async () => {
    const fake = await started(startXaiFake(API_KEY));
    const result = await adapter.generate(
      callAt(fake, 'xai', { upstreamModel: 'grok-imagine-image', n: 3, request: { n: 3 }, settings: { max_images_per_request: 2 } }),
    );
    expect(apiCalls(fake)).toHaveLength(2);
    expect(result.reportedCostMicros).toBe(60_000);
  });
});

describe('openai-compatible adapter: masks', () => {
  it('Azure: the mask keeps OpenAI’s alpha convention, resized to image 1; token usage is reported', async () => {
    const fake = await started(startAzureFake(API_KEY));
    const result = await adapter.generate(
      callFor('azure', {
        baseUrl: `${fake.origin}/openai/deployments/gpt-image-1`,
        request: { images: [await inputImage(64, 48)], mask: await halfTransparentMask(32, 24), quality: 'low' },
      }),
    );
    const form = await formDataOf(apiCalls(fake)[0]!);
    const mask = form.get('mask') as File;
    const metadata = await sharp(Buffer.from(await mask.arrayBuffer())).metadata();
    expect([metadata.width, metadata.height, metadata.hasAlpha]).toEqual([64, 48, true]);
    expect(form.get('model')).toBeNull();
    expect(result.usage).toEqual({ inputTextTokens: 50, inputImageTokens: 0, outputImageTokens: 272 });
  });

  it('LocalAI: white marks the area to repaint; one inpainting request per image, answered as URLs', async () => {
    const fake = await started(startLocalAIFake());
    const result = await adapter.generate(
      callAt(fake, 'localai', {
        apiKey: undefined,
        upstreamModel: 'sd-1.5-ggml',
        n: 2,
        request: { n: 2, images: [await inputImage(64, 48, 'webp')], mask: await halfTransparentMask(64, 48) },
      }),
    );
    expect(apiCalls(fake).map((call) => call.path)).toEqual(['/v1/images/inpainting', '/v1/images/inpainting']);
    expect(result.images).toHaveLength(2);
    expect(result.images.every((image) => 'url' in image && image.url.startsWith(`${fake.origin}/cdn/`))).toBe(true);
    const form = await formDataOf(apiCalls(fake)[0]!);
    const image = await sharp(Buffer.from(await (form.get('image') as File).arrayBuffer())).metadata();
    expect(image.format).toBe('png');
    const maskBytes = Buffer.from(await (form.get('mask') as File).arrayBuffer());
    const maskMetadata = await sharp(maskBytes).metadata();
    expect(maskMetadata.hasAlpha).toBe(false);
    const { data, info } = await sharp(maskBytes).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    expect([data[0], data[info.width - 1]]).toEqual([255, 0]);
  });
});

describe('openai-compatible adapter: errors', () => {
  it('LocalAI still loading its model: unavailable, with its Retry-After', async () => {
    const fake = await started(startLocalAIFake());
    const error = await upstreamFailure(
      adapter.generate(callAt(fake, 'localai', { apiKey: undefined, upstreamModel: LOCALAI_LOADING_MODEL })),
    );
    expect(error.kind).toBe('unavailable');
    expect(error.retryAfterMs).toBe(5000);
  });

  it('a model the instance does not serve is not_found; an unknown Azure deployment too', async () => {
    const deepInfra = await started(startDeepInfraFake(API_KEY));
    expect((await upstreamFailure(adapter.generate(callAt(deepInfra, 'deepinfra', { upstreamModel: 'acme/none' })))).kind).toBe(
      'not_found',
    );
    const azure = await started(startAzureFake(API_KEY));
    expect(
      (await upstreamFailure(adapter.generate(callFor('azure', { baseUrl: `${azure.origin}/openai/deployments/missing` })))).kind,
    ).toBe('not_found');
  });

  it('DeepInfra takes the scheme in any case but the token exactly: a wrongly cased key is a 401', async () => {
    const deepInfra = await started(startDeepInfraFake(API_KEY));
    const error = await upstreamFailure(
      adapter.generate(callAt(deepInfra, 'deepinfra', { upstreamModel: 'stabilityai/sdxl-turbo', apiKey: API_KEY.toUpperCase() })),
    );
    expect(error.kind).toBe('authentication');
  });

  it('vLLM-Omni would refuse a URL answer: the adapter always asks for b64_json', async () => {
    const fake = await started(startOpenAICompatibleFake({ flavor: 'vllm', apiKey: API_KEY }));
    const result = await adapter.generate(callAt(fake, 'vllm', { request: { size: { width: 256, height: 128 }, outputFormat: 'webp' } }));
    expect(await sizeOfBase64(result.images[0])).toBe('webp:256x128');
    const forced = await upstreamFailure(adapter.generate(callAt(fake, 'vllm', { settings: { response_format: 'url' } })));
    expect(forced.kind).toBe('invalid_request');
  });
});

describe('openai-compatible adapter: probe', () => {
  it('lists models with the instance’s own auth and path', async () => {
    const xai = await started(startXaiFake(API_KEY));
    expect(await adapter.probe!(callAt(xai, 'xai').endpoint, AbortSignal.timeout(5_000))).toEqual({
      ok: true,
      detail: 'GET /v1/image-generation-models → HTTP 200 (2 models)',
    });
    const together = await started(startTogetherFake(API_KEY));
    expect((await adapter.probe!(callAt(together, 'together').endpoint, AbortSignal.timeout(5_000))).detail).toMatch(
      /^GET \/v1\/models → HTTP 200 \(\d+ models\)$/,
    );
    const azure = await started(startAzureFake(API_KEY));
    const probe = await adapter.probe!(
      callFor('azure', { baseUrl: `${azure.origin}/openai/deployments/gpt-image-1` }).endpoint,
      AbortSignal.timeout(5_000),
    );
    expect(probe.ok).toBe(true);
    expect(apiCalls(azure)[0]).toMatchObject({ method: 'GET', path: '/openai/models' });
    expect(apiCalls(azure)[0]?.query.get('api-version')).toBe('2025-04-01-preview');
  });

  it('reports a refused key or an unreachable server without the key', async () => {
    const fake = await started(startDeepInfraFake(API_KEY));
    const refused = await adapter.probe!(
      callAt(fake, 'deepinfra', { apiKey: 'wrong-key-0123456789' }).endpoint,
      AbortSignal.timeout(5_000),
    );
    expect(refused.ok).toBe(false);
    expect(refused.detail).toContain('HTTP 401');
    expect(refused.detail).not.toContain('wrong-key-0123456789');
    await fake.close();
    const down = await adapter.probe!(callAt(fake, 'deepinfra').endpoint, AbortSignal.timeout(5_000));
    expect(down).toEqual({ ok: false, detail: "GET /v1/openai/models failed: The provider 'deepinfra' could not be reached." });
  });
});
