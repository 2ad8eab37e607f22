import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ImageRequest } from '../../../../src/domain/image-request.js';
import { readInputImage } from '../../../../src/images/read-input-image.js';
import { createGeminiAdapter } from '../../../../src/providers/gemini/gemini-adapter.js';
import type { ProviderEndpoint } from '../../../../src/providers/provider.js';
import { fakeImage, jsonOf, type RecordedCall } from '../../../fakes/fake-upstream.js';
import { startGeminiFake, type GeminiFake } from '../../../fakes/gemini-fake.js';
import { upstreamFailure } from '../../../helpers/caught-error.js';
import type { GeminiCall } from '../../../../src/providers/gemini/gemini-request.js';
import { decoded, geminiCall, type googleCall } from './gemini-call.js';

const KEY = 'AIza-gemini-adapter-key-0123456789';
const PRO = { image_sizes: ['1K', '2K', '4K'] };
const adapter = createGeminiAdapter();
let fake: GeminiFake;

beforeAll(async () => {
  fake = await startGeminiFake({ apiKey: KEY });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.calls.length = 0;
});

const developer = (): Partial<ProviderEndpoint> => ({ baseUrl: fake.baseUrl });
const vertex = (): Partial<ProviderEndpoint> => ({
  instance: 'gemini-vertex',
  baseUrl: `${fake.origin}/v1/projects/p1/locations/global/publishers/google`,
  settings: { vertex: true },
});

function callFor(model: string, request: Partial<ImageRequest> = {}, overrides: Parameters<typeof googleCall>[2] = {}): GeminiCall {
  return geminiCall(model, request, { ...overrides, endpoint: { apiKey: KEY, ...developer(), ...overrides.endpoint } });
}

const apiCalls = () => fake.calls.filter((call) => call.kind === 'api');
const sentBody = (call: RecordedCall | undefined) =>
  jsonOf(call!) as {
    contents: Array<{ parts: Array<Record<string, { mimeType: string; data: string }>> }>;
    generationConfig: Record<string, unknown>;
  };

describe('gemini adapter against the fake', () => {
  it('text to image: one POST with the key in x-goog-api-key (never in the URL), one real PNG at the documented size', async () => {
    const result = await adapter.generate(callFor('gemini-2.5-flash-image', { size: { width: 1344, height: 768 } }));
    expect(result.images).toHaveLength(1);
    expect(await decoded(result.images[0])).toEqual({ width: 1344, height: 768, format: 'png' });
    expect(result.warnings).toEqual([]);
    expect(result.usage).toEqual({ inputTextTokens: 5, outputImageTokens: 1290 });
    const [call] = apiCalls();
    expect(apiCalls()).toHaveLength(1);
    expect(call?.path).toBe('/v1beta/models/gemini-2.5-flash-image:generateContent');
    expect(call?.headers['x-goog-api-key']).toBe(KEY);
    expect(call?.headers['authorization']).toBeUndefined();
    expect(call?.query.toString()).toBe('');
    expect(sentBody(call).generationConfig).toEqual({ responseModalities: ['IMAGE'], imageConfig: { aspectRatio: '16:9' } });
  });

  it('edits with several images: each arrives as inlineData the fake can decode; a GIF is converted to PNG first', async () => {
    const gif = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#336699' } })
      .gif()
      .toBuffer();
    const images = await Promise.all([
      readInputImage(await fakeImage(48, 32, 'jpeg'), 'image[]'),
      readInputImage(await fakeImage(32, 32, 'webp'), 'image[]'),
      readInputImage(gif, 'image[]'),
    ]);
    const result = await adapter.generate(callFor('gemini-3-pro-image', { images, prompt: 'merge them' }, { options: PRO }));
    expect(result.images).toHaveLength(1);
    // No size: the fake follows the first input image's ratio (48x32 → 3:2 at 1K).
    expect(await decoded(result.images[0])).toMatchObject({ width: 1264, height: 848 });
    expect(result.usage).toEqual({ inputTextTokens: 3, inputImageTokens: 3 * 560, outputImageTokens: 1120 });
    const parts = sentBody(apiCalls()[0]).contents[0]!.parts;
    expect(parts.map((part) => part['inlineData']?.mimeType ?? 'text')).toEqual(['text', 'image/jpeg', 'image/webp', 'image/png']);
    expect(parts[1]!['inlineData']!.data).toBe(images[0]!.bytes.toString('base64'));
  });

  it('asks for the 2K tier and gets a 2K image', async () => {
    const result = await adapter.generate(callFor('gemini-3-pro-image', { size: { width: 2048, height: 2048 } }, { options: PRO }));
    expect(await decoded(result.images[0])).toMatchObject({ width: 2048, height: 2048 });
    expect(sentBody(apiCalls()[0]).generationConfig['imageConfig']).toEqual({ aspectRatio: '1:1', imageSize: '2K' });
  });

  it('makes one call per image when asked for more than one', async () => {
    const result = await adapter.generate({ ...callFor('gemini-2.5-flash-image', { n: 2 }), n: 2 });
    expect(result.images).toHaveLength(2);
    expect(apiCalls()).toHaveLength(2);
    expect(result.usage?.outputImageTokens).toBe(2 * 1290);
    expect(adapter.maxImagesPerCall?.('gemini-2.5-flash-image', callFor('gemini-2.5-flash-image').options)).toBe(1);
  });

  it('skips a thought image and delivers the final one only', async () => {
    fake.enqueueReply('thought_image');
    const result = await adapter.generate(callFor('gemini-3-pro-image', {}, { options: PRO }));
    expect(result.images).toHaveLength(1);
    expect(await decoded(result.images[0])).toMatchObject({ width: 1024, height: 1024 });
  });

  it('delivers one image when the model returns two', async () => {
    fake.enqueueReply('two_images');
    expect((await adapter.generate(callFor('gemini-2.5-flash-image'))).images).toHaveLength(1);
  });

  it('IMAGE_SAFETY with HTTP 200 is a content-policy error; a blocked prompt too', async () => {
    fake.enqueueReply('image_safety');
    const unsafe = await upstreamFailure(adapter.generate(callFor('gemini-2.5-flash-image')));
    expect(unsafe.kind).toBe('content_policy');
    expect(unsafe.message).toContain('IMAGE_SAFETY');
    fake.enqueue('content_policy');
    expect((await upstreamFailure(adapter.generate(callFor('gemini-2.5-flash-image')))).message).toContain('PROHIBITED_CONTENT');
  });

  it('a text-only reply or NO_IMAGE is a retryable upstream error', async () => {
    fake.enqueueReply('text_only', 'no_image');
    const talked = await upstreamFailure(adapter.generate(callFor('gemini-2.5-flash-image')));
    expect(talked.kind).toBe('upstream_error');
    expect(talked.message).toContain("I can't draw that");
    expect((await upstreamFailure(adapter.generate(callFor('gemini-2.5-flash-image')))).message).toContain('NO_IMAGE');
  });

  it('429 carries RetryInfo as retryAfterMs; 503 overloaded is unavailable', async () => {
    fake.enqueue('rate_limited', 'server_error');
    const limited = await upstreamFailure(adapter.generate(callFor('gemini-2.5-flash-image')));
    expect(limited).toMatchObject({ kind: 'rate_limited', retryAfterMs: 2000, upstreamStatus: 429 });
    expect((await upstreamFailure(adapter.generate(callFor('gemini-2.5-flash-image')))).kind).toBe('unavailable');
  });

  it('a wrong key is a 400 API_KEY_INVALID → authentication, without the key in the message; no key → permission', async () => {
    const wrong = await upstreamFailure(
      adapter.generate(callFor('gemini-2.5-flash-image', {}, { endpoint: { apiKey: 'AIza-wrong-key-000000000000' } })),
    );
    expect(wrong).toMatchObject({ kind: 'authentication', upstreamStatus: 400 });
    expect(wrong.message).not.toContain('AIza-wrong-key');
    const none = await upstreamFailure(adapter.generate(callFor('gemini-2.5-flash-image', {}, { endpoint: { apiKey: undefined } })));
    expect(none).toMatchObject({ kind: 'permission', upstreamStatus: 403 });
  });

  it('a retired or unknown model id is not_found, so the router can try another route', async () => {
    expect((await upstreamFailure(adapter.generate(callFor('gemini-2.0-flash-exp-image-generation')))).kind).toBe('not_found');
  });

  it('the fake refuses what Google refuses: imageSize on 2.5 Flash is a 400 invalid request', async () => {
    const error = await upstreamFailure(
      adapter.generate(callFor('gemini-2.5-flash-image', { size: { width: 2048, height: 2048 } }, { options: PRO })),
    );
    expect(error.kind).toBe('invalid_request');
    expect(error.message).toContain('image_size');
  });

  it('malformed and truncated 200 bodies are upstream errors', async () => {
    fake.enqueue('malformed', 'truncated');
    expect((await upstreamFailure(adapter.generate(callFor('gemini-2.5-flash-image')))).kind).toBe('upstream_error');
    expect((await upstreamFailure(adapter.generate(callFor('gemini-2.5-flash-image')))).kind).toBe('upstream_error');
  });

  it('Vertex: the publisher model path with a Bearer token, no x-goog-api-key', async () => {
    const result = await adapter.generate(callFor('gemini-3-pro-image', {}, { options: PRO, endpoint: vertex() }));
    expect(result.images).toHaveLength(1);
    const [call] = apiCalls();
    expect(call?.path).toBe('/v1/projects/p1/locations/global/publishers/google/models/gemini-3-pro-image:generateContent');
    expect(call?.headers['authorization']).toBe(`Bearer ${KEY}`);
    expect(call?.headers['x-goog-api-key']).toBeUndefined();
    const expired = await upstreamFailure(
      adapter.generate(callFor('gemini-3-pro-image', {}, { endpoint: { ...vertex(), apiKey: 'ya29.expired-token-000000' } })),
    );
    expect(expired).toMatchObject({ kind: 'authentication', upstreamStatus: 401, provider: 'gemini-vertex' });
  });

  it('gives up when the signal aborts', async () => {
    fake.enqueue('slow');
    fake.slowMs = 2_000;
    await expect(adapter.generate(callFor('gemini-2.5-flash-image', {}, { signal: AbortSignal.timeout(100) }))).rejects.toThrow();
  });
});

describe('gemini probe', () => {
  it('lists one model on the Developer API with the key header', async () => {
    const result = await adapter.probe!(
      { instance: 'gemini', baseUrl: fake.baseUrl, apiKey: KEY, keyIndex: 0, settings: {} },
      AbortSignal.timeout(5_000),
    );
    expect(result).toEqual({ ok: true, detail: `GET ${fake.baseUrl}/models?pageSize=1 answered 200` });
    expect(apiCalls()[0]?.headers['x-goog-api-key']).toBe(KEY);
  });

  it('counts tokens on Vertex with the Bearer token', async () => {
    const endpoint = {
      instance: 'gemini-vertex',
      baseUrl: `${fake.origin}/v1/projects/p1/locations/global/publishers/google`,
      apiKey: KEY,
      keyIndex: 0,
      settings: { vertex: true },
    };
    expect((await adapter.probe!(endpoint, AbortSignal.timeout(5_000))).ok).toBe(true);
    expect(apiCalls()[0]?.path).toBe('/v1/projects/p1/locations/global/publishers/google/models/gemini-2.5-flash-image:countTokens');
  });

  it('reports a bad key without showing it', async () => {
    const result = await adapter.probe!(
      { instance: 'gemini', baseUrl: fake.baseUrl, apiKey: 'AIza-bad-probe-key-0000000000', keyIndex: 0, settings: {} },
      AbortSignal.timeout(5_000),
    );
    expect(result.ok).toBe(false);
    expect(result.detail).toContain('authentication');
    expect(result.detail).not.toContain('AIza-bad-probe-key');
  });
});
