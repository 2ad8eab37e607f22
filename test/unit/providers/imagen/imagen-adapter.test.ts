import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ImageRequest } from '../../../../src/domain/image-request.js';
import { createImagenAdapter } from '../../../../src/providers/imagen/imagen-adapter.js';
import { jsonOf } from '../../../fakes/fake-upstream.js';
import { startImagenFake, type ImagenFake } from '../../../fakes/imagen-fake.js';
import { upstreamFailure } from '../../../helpers/caught-error.js';
import type { ImagenCall } from '../../../../src/providers/imagen/imagen-request.js';
import { decoded, imagenCall, type googleCall } from '../gemini/gemini-call.js';

const KEY = 'AIza-imagen-adapter-key-0123456789';
const IMAGEN_4 = { image_sizes: ['1K', '2K'] };
const adapter = createImagenAdapter();
let fake: ImagenFake;

beforeAll(async () => {
  fake = await startImagenFake({ apiKey: KEY });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.calls.length = 0;
});

function callFor(model: string, request: Partial<ImageRequest> = {}, overrides: Parameters<typeof googleCall>[2] = {}): ImagenCall {
  return imagenCall(model, request, {
    ...overrides,
    endpoint: { instance: 'imagen', apiKey: KEY, baseUrl: fake.baseUrl, ...overrides.endpoint },
  });
}

const apiCalls = () => fake.calls.filter((call) => call.kind === 'api');

describe('imagen adapter against the fake', () => {
  it('returns up to four images from one call, the key only in x-goog-api-key', async () => {
    const result = await adapter.generate({
      ...callFor('imagen-4.0-generate-001', { n: 4, size: { width: 2816, height: 1536 } }, { options: IMAGEN_4 }),
      n: 4,
    });
    expect(result.images).toHaveLength(4);
    expect(await decoded(result.images[3])).toEqual({ width: 2816, height: 1536, format: 'png' });
    expect(apiCalls()).toHaveLength(1);
    const [call] = apiCalls();
    expect(call?.path).toBe('/v1beta/models/imagen-4.0-generate-001:predict');
    expect(call?.headers['x-goog-api-key']).toBe(KEY);
    expect(call?.query.toString()).toBe('');
    expect(jsonOf(call!)).toMatchObject({ parameters: { sampleCount: 4, aspectRatio: '16:9', sampleImageSize: '2K' } });
    expect(adapter.maxImagesPerCall?.('imagen-4.0-generate-001', callFor('imagen-4.0-generate-001').options)).toBe(4);
  });

  it('splits a larger n into calls of at most max_images_per_call', async () => {
    const result = await adapter.generate({
      ...callFor('imagen-4.0-ultra-generate-001', { n: 3 }, { options: { max_images_per_call: 2 } }),
      n: 3,
    });
    expect(result.images).toHaveLength(3);
    expect(apiCalls().map((call) => (jsonOf(call) as { parameters: { sampleCount: number } }).parameters.sampleCount)).toEqual([2, 1]);
  });

  it('asks for JPEG and gets JPEG', async () => {
    const result = await adapter.generate(callFor('imagen-3.0-generate-002', { outputFormat: 'jpeg' }));
    expect((await decoded(result.images[0])).format).toBe('jpeg');
  });

  it('reads bytes nested under prediction.image', async () => {
    fake.enqueueReply('nested_bytes');
    expect((await adapter.generate(callFor('imagen-3.0-generate-002'))).images).toHaveLength(1);
  });

  it('everything filtered is a content-policy error, with or without the RAI reason', async () => {
    fake.enqueue('content_policy');
    const withReason = await upstreamFailure(adapter.generate(callFor('imagen-3.0-generate-002')));
    expect(withReason.kind).toBe('content_policy');
    expect(withReason.message).toContain('usage guidelines');
    fake.enqueueReply('all_filtered_silently');
    expect((await upstreamFailure(adapter.generate(callFor('imagen-3.0-generate-002')))).kind).toBe('content_policy');
  });

  it('a partly filtered batch delivers what survived, with a warning', async () => {
    fake.enqueueReply('partially_filtered');
    const result = await adapter.generate({ ...callFor('imagen-3.0-generate-002', { n: 3 }), n: 3 });
    expect(result.images).toHaveLength(2);
    expect(result.warnings).toEqual([expect.objectContaining({ type: 'other', message: expect.stringContaining('filtered 1 of 3') })]);
  });

  it('maps Google errors: 429 with RetryInfo, 500, bad key, retired model', async () => {
    fake.enqueue('rate_limited', 'server_error');
    expect(await upstreamFailure(adapter.generate(callFor('imagen-3.0-generate-002')))).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 2000,
    });
    expect((await upstreamFailure(adapter.generate(callFor('imagen-3.0-generate-002')))).retryable).toBe(true);
    expect(
      (
        await upstreamFailure(
          adapter.generate(callFor('imagen-3.0-generate-002', {}, { endpoint: { apiKey: 'AIza-wrong-0000000000000' } })),
        )
      ).kind,
    ).toBe('authentication');
    expect((await upstreamFailure(adapter.generate(callFor('imagen-2.0-generate-001')))).kind).toBe('not_found');
  });

  it('the fake refuses what Google refuses: sampleImageSize on Imagen 3 is an invalid request', async () => {
    const error = await upstreamFailure(
      adapter.generate(callFor('imagen-3.0-generate-002', { size: { width: 2048, height: 2048 } }, { options: IMAGEN_4 })),
    );
    expect(error.kind).toBe('invalid_request');
  });

  it('Vertex: Bearer token on the publisher path', async () => {
    const result = await adapter.generate(
      callFor(
        'imagen-4.0-fast-generate-001',
        {},
        { endpoint: { instance: 'imagen-vertex', baseUrl: `${fake.origin}/v1/projects/p1/locations/us-central1/publishers/google` } },
      ),
    );
    expect(result.images).toHaveLength(1);
    const [call] = apiCalls();
    expect(call?.path).toBe('/v1/projects/p1/locations/us-central1/publishers/google/models/imagen-4.0-fast-generate-001:predict');
    expect(call?.headers['authorization']).toBe(`Bearer ${KEY}`);
    expect(call?.headers['x-goog-api-key']).toBeUndefined();
  });

  it('probes the Developer API by listing one model', async () => {
    const result = await adapter.probe!(
      { instance: 'imagen', baseUrl: fake.baseUrl, apiKey: KEY, keyIndex: 0, settings: {} },
      AbortSignal.timeout(5_000),
    );
    expect(result.ok).toBe(true);
  });
});
