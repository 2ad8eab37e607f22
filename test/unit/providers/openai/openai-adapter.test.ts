import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ImageRequest } from '../../../../src/domain/image-request.js';
import { readInputImage } from '../../../../src/images/read-input-image.js';
import type { ProviderImage } from '../../../../src/providers/provider.js';
import { createOpenAIAdapter } from '../../../../src/providers/openai/openai-adapter.js';
import type { OpenAICall } from '../../../../src/providers/openai/openai-parameters.js';
import { openAIProvider } from '../../../../src/providers/openai/openai-provider.js';
import { formDataOf, jsonOf } from '../../../fakes/fake-upstream.js';
import { OPENAI_FAKE_API_KEY, startOpenAIFake, type OpenAIFake } from '../../../fakes/openai-fake.js';
import { halfMask, noisyImage, solidImage } from '../../../fixtures/images/make-test-images.js';
import { upstreamFailure } from '../../../helpers/caught-error.js';
import { catalogCall, timeLimit, type ProviderCallOverrides } from '../../../helpers/provider-call.js';

const adapter = createOpenAIAdapter();
let fake: OpenAIFake;

beforeAll(async () => {
  fake = await startOpenAIFake({ retiredModels: ['dall-e-2'] });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.calls.length = 0;
});

/** A call to a catalog model with the options its route in openai.yaml gives it. */
function callFor(
  upstreamModel: string,
  request: Partial<ImageRequest> = {},
  call: Omit<ProviderCallOverrides, 'request'> = {},
): OpenAICall {
  return catalogCall(openAIProvider, upstreamModel, {
    request: { model: `openai/${upstreamModel}`, prompt: 'A cute baby sea otter', ...request },
    ...timeLimit(10_000),
    endpoint: { instance: 'openai', baseUrl: fake.baseUrl, apiKey: OPENAI_FAKE_API_KEY },
    ...call,
  });
}

function decoded(image: ProviderImage | undefined): Buffer {
  if (!image || !('base64' in image)) throw new Error('expected a base64 image');
  return Buffer.from(image.base64.toString('latin1'), 'base64');
}

describe('openai adapter: generations', () => {
  it('returns base64 images at the requested size and format, with token usage', async () => {
    const result = await adapter.generate(
      callFor('gpt-image-1.5', { n: 2, quality: 'medium', size: { width: 1536, height: 1024 }, outputFormat: 'webp' }),
    );
    expect(result.images).toHaveLength(2);
    for (const image of result.images) {
      const metadata = await sharp(decoded(image)).metadata();
      expect([metadata.format, metadata.width, metadata.height]).toEqual(['webp', 1536, 1024]);
    }
    // OpenAI's token table: 1568 output tokens per medium 1536x1024 image; the fake counts a token per 4 prompt characters.
    expect(result.usage).toEqual({ inputTextTokens: 6, inputImageTokens: 0, outputImageTokens: 2 * 1568 });
    expect(result.warnings).toEqual([]);
    const [call] = fake.calls;
    expect(call?.headers.authorization).toBe(`Bearer ${OPENAI_FAKE_API_KEY}`);
    expect(jsonOf(call!)).toEqual({
      model: 'gpt-image-1.5',
      prompt: 'A cute baby sea otter',
      n: 2,
      size: '1536x1024',
      quality: 'medium',
      output_format: 'webp',
    });
  });

  it('returns one dall-e-3 image per call, however many are asked (the router fans out)', async () => {
    expect(adapter.maxImagesPerCall?.('dall-e-3', callFor('dall-e-3').options)).toBe(1);
    expect(adapter.maxImagesPerCall?.('gpt-image-1', callFor('gpt-image-1').options)).toBe(10);
    const result = await adapter.generate(callFor('dall-e-3', { n: 3, quality: 'high', size: { width: 1792, height: 1024 } }));
    expect(result.images).toHaveLength(1);
    expect(result.usage).toBeUndefined();
    expect((await sharp(decoded(result.images[0])).metadata()).width).toBe(1792);
    expect(jsonOf(fake.calls[0]!)).toMatchObject({ n: 1, quality: 'hd', response_format: 'b64_json' });
  });

  it('returns DALL·E URL results for the gateway to download, without fetching them itself', async () => {
    const result = await adapter.generate(callFor('dall-e-3', {}, { options: { response_format: 'url' } }));
    expect(result.images).toHaveLength(1);
    for (const image of result.images) expect('url' in image && image.url.startsWith(`${fake.origin}/cdn/`)).toBe(true);
    expect(fake.calls.map((call) => call.kind)).toEqual(['api']);
  });

  it('gives up at the deadline even when the signal stays open', async () => {
    fake.enqueue('slow');
    fake.slowMs = 5_000;
    const error = await upstreamFailure(
      adapter.generate(callFor('gpt-image-1', {}, { signal: new AbortController().signal, deadline: Date.now() + 200 })),
    );
    expect([error.kind, error.retryable]).toEqual(['timeout', true]);
  });

  it('rejects with the signal’s own reason when the client goes away', async () => {
    fake.enqueue('slow');
    fake.slowMs = 5_000;
    const controller = new AbortController();
    const pending = adapter.generate(callFor('gpt-image-1', {}, { signal: controller.signal }));
    setTimeout(() => controller.abort(new Error('client closed')), 50);
    await expect(pending).rejects.toThrow('client closed');
  });
});

describe('openai adapter: edits', () => {
  it('sends several images as image[] and the mask as a PNG with alpha at image 1’s size', async () => {
    const first = await readInputImage(await noisyImage('png', 96, 64), 'image[]');
    const second = await readInputImage(await solidImage('jpeg', 40, 30, { r: 200, g: 10, b: 10 }), 'image[]');
    // GIF is not an OpenAI input format: it must arrive as PNG.
    const third = await readInputImage(await solidImage('gif', 20, 20, { r: 0, g: 0, b: 255 }), 'image[]');
    const mask = await readInputImage(await halfMask(96, 64, 48), 'mask');
    const result = await adapter.generate(
      callFor('gpt-image-1', { images: [first, second, third], mask, extra: { input_fidelity: 'high' } }),
    );
    expect(result.images).toHaveLength(1);
    expect(result.usage).toEqual({ inputTextTokens: 6, inputImageTokens: 3 * 323, outputImageTokens: 1056 });

    const [call] = fake.calls;
    expect(call?.path).toBe('/v1/images/edits');
    const form = await formDataOf(call!);
    const images = form.getAll('image[]') as File[];
    expect(images.map((file) => [file.name, file.type])).toEqual([
      ['image-1.png', 'image/png'],
      ['image-2.jpg', 'image/jpeg'],
      ['image-3.png', 'image/png'],
    ]);
    // Accepted formats go as they came: no re-encode.
    expect(Buffer.from(await images[0]!.arrayBuffer()).equals(first.bytes)).toBe(true);
    expect(form.get('input_fidelity')).toBe('high');
    const maskFile = form.get('mask') as File;
    const maskBytes = Buffer.from(await maskFile.arrayBuffer());
    const { data, info } = await sharp(maskBytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, (await sharp(maskBytes).metadata()).format]).toEqual([96, 64, 'png']);
    const alphaAt = (x: number, y: number) => data[(y * info.width + x) * info.channels + 3];
    expect([alphaAt(10, 10), alphaAt(80, 50)]).toEqual([255, 0]);
  });

  it('refuses images on a model without edits before calling OpenAI', async () => {
    const image = await readInputImage(await solidImage('png', 64, 64, { r: 1, g: 2, b: 3 }), 'image[]');
    const error = await adapter.generate(callFor('dall-e-3', { images: [image] })).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ kind: 'invalid_request', param: 'image[]' });
    expect(fake.calls).toHaveLength(0);
  });
});

describe('openai adapter: errors', () => {
  it.each([
    ['insufficient_quota', 'quota_exceeded', 429, false],
    ['billing_hard_limit', 'quota_exceeded', 400, false],
    ['moderation_blocked_output', 'content_policy', 400, false],
    ['service_unavailable', 'unavailable', 503, true],
    ['unverified_organization', 'permission', 403, false],
  ] as const)('maps %s to %s', async (scripted, kind, upstreamStatus, retryable) => {
    fake.failNext(scripted);
    const error = await upstreamFailure(adapter.generate(callFor('gpt-image-1')));
    expect([error.kind, error.retryable]).toEqual([kind, retryable]);
    if (kind !== 'content_policy') expect(error.upstreamStatus).toBe(upstreamStatus);
  });

  it('maps a rate limit to rate_limited with Retry-After and the code', async () => {
    fake.enqueue('rate_limited');
    const error = await upstreamFailure(adapter.generate(callFor('gpt-image-1')));
    expect([error.kind, error.retryAfterMs, error.code]).toEqual(['rate_limited', 2000, 'rate_limit_exceeded']);
  });

  it('maps a retired model (404 model_not_found) to not_found, so the router tries another route', async () => {
    const error = await upstreamFailure(adapter.generate(callFor('dall-e-2')));
    expect([error.kind, error.code, error.upstreamStatus]).toEqual(['not_found', 'model_not_found', 404]);
    expect(error.message).toContain('has been deprecated');
  });

  it('maps a wrong key to authentication without echoing any of it', async () => {
    const wrongKey = 'sk-wrong-key-abcdefghijklmnopqrstuvwxyz';
    const error = await upstreamFailure(
      adapter.generate(
        callFor(
          'gpt-image-1',
          {},
          { endpoint: { instance: 'openai', baseUrl: fake.baseUrl, apiKey: wrongKey, keyIndex: 0, settings: {} } },
        ),
      ),
    );
    expect([error.kind, error.code]).toEqual(['authentication', 'invalid_api_key']);
    expect(error.message).not.toContain(wrongKey);
    expect(error.message).not.toContain(wrongKey.slice(-4));
  });

  it('maps an HTML 200 and a truncated 200 to upstream errors', async () => {
    fake.enqueue('malformed', 'truncated');
    expect((await upstreamFailure(adapter.generate(callFor('gpt-image-1')))).kind).toBe('upstream_error');
    expect((await upstreamFailure(adapter.generate(callFor('gpt-image-1')))).kind).toBe('upstream_error');
  });
});

describe('openai adapter: probe', () => {
  it('lists the models with the key', async () => {
    const result = await adapter.probe!(
      { instance: 'openai', baseUrl: fake.baseUrl, apiKey: OPENAI_FAKE_API_KEY, keyIndex: 0, settings: {} },
      AbortSignal.timeout(5_000),
    );
    expect(result).toEqual({ ok: true, detail: `GET ${fake.baseUrl}/models answered 200 (14 models)` });
    expect(fake.calls[0]?.headers.authorization).toBe(`Bearer ${OPENAI_FAKE_API_KEY}`);
  });

  it('reports a refused key without the key', async () => {
    const result = await adapter.probe!(
      { instance: 'openai', baseUrl: fake.baseUrl, apiKey: 'sk-not-the-right-key-0000000000', keyIndex: 0, settings: {} },
      AbortSignal.timeout(5_000),
    );
    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(/^GET .*\/models answered HTTP 401 \(invalid_api_key: Incorrect API key provided/);
    expect(result.detail).not.toContain('sk-not-the-right-key-0000000000');
  });

  it('reports an unreachable server', async () => {
    const result = await adapter.probe!(
      { instance: 'openai', baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'sk-x', keyIndex: 0, settings: {} },
      AbortSignal.timeout(5_000),
    );
    expect(result).toEqual({ ok: false, detail: "GET http://127.0.0.1:9/v1/models failed: The provider 'openai' could not be reached." });
  });
});

describe('openai fake: as strict as OpenAI', () => {
  const post = (path: string, body: unknown, key = OPENAI_FAKE_API_KEY) =>
    fetch(`${fake.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it.each([
    [{ model: 'gpt-image-1', prompt: 'x', response_format: 'b64_json' }, 'unknown_parameter', 'response_format'],
    [{ model: 'gpt-image-1', prompt: 'x', size: '512x512' }, 'invalid_value', 'size'],
    [{ model: 'dall-e-3', prompt: 'x', n: 2 }, 'invalid_value', 'n'],
    [{ model: 'dall-e-3', prompt: 'x', output_format: 'png' }, 'unknown_parameter', 'output_format'],
    [{ model: 'gpt-image-2', prompt: 'x', size: '1000x1000' }, 'invalid_value', 'size'],
  ])('refuses %o with 400 %s', async (body, code, param) => {
    const response = await post('/images/generations', body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: unknown }).error).toMatchObject({ type: 'invalid_request_error', code, param });
  });

  it('answers 401 without the right key', async () => {
    const response = await post('/images/generations', { model: 'gpt-image-1', prompt: 'x' }, 'sk-nope-nope-nope');
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_api_key' } });
  });
});
