import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ImageRequest, InputImage } from '../../../../src/domain/image-request.js';
import { readInputImage } from '../../../../src/images/read-input-image.js';
import { createRecraftAdapter } from '../../../../src/providers/recraft/recraft-adapter.js';
import { recraftProvider } from '../../../../src/providers/recraft/recraft-provider.js';
import type { RecraftCall } from '../../../../src/providers/recraft/recraft-request.js';
import type { ProviderImage } from '../../../../src/providers/provider.js';
import { formDataOf, formFileOf, jsonOf } from '../../../fakes/fake-upstream.js';
import { startRecraftFake, type RecraftFake } from '../../../fakes/recraft-fake.js';
import { upstreamFailure } from '../../../helpers/caught-error.js';
import { catalogCall, timeLimit } from '../../../helpers/provider-call.js';

const KEY = 'recraft_adapter_token_0123456789';
const adapter = createRecraftAdapter();
let fake: RecraftFake;

beforeAll(async () => {
  fake = await startRecraftFake({ apiKey: KEY });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.calls.length = 0;
  fake.credits = 10_000;
});

function callFor(upstreamModel: 'recraftv3' | 'recraftv4_1', request: Partial<ImageRequest> = {}, apiKey = KEY): RecraftCall {
  return catalogCall(recraftProvider, upstreamModel, {
    request: { model: `recraft/${upstreamModel}`, prompt: 'a lighthouse at dusk', ...request },
    ...timeLimit(10_000),
    endpoint: { instance: 'recraft', baseUrl: fake.baseUrl, apiKey },
  });
}

const apiCalls = () => fake.calls.filter((call) => call.kind === 'api');
const base64Of = (image: ProviderImage | undefined) =>
  image && 'base64' in image ? Buffer.from(image.base64.toString(), 'base64') : undefined;

async function inputImage(width: number, height: number): Promise<InputImage> {
  const bytes = await sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 40 } } })
    .png()
    .toBuffer();
  return readInputImage(bytes, 'image[]');
}

/** An OpenAI-convention mask at another size: transparent (edit) left half with a soft edge, opaque right half. */
async function softLeftHalfMask(width: number, height: number): Promise<InputImage> {
  const pixels = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      pixels[(y * width + x) * 4 + 3] = Math.max(0, Math.min(255, Math.round(((x - width / 2 + 8) / 16) * 255)));
    }
  }
  return readInputImage(
    await sharp(pixels, { raw: { width, height, channels: 4 } })
      .png()
      .toBuffer(),
    'mask',
  );
}

describe('recraft adapter against the fake', () => {
  it('generates with a Bearer token over JSON, returns base64 PNGs, and reports the credits as the cost', async () => {
    const result = await adapter.generate({ ...callFor('recraftv4_1', { n: 2, size: { width: 1344, height: 768 } }), n: 2 });
    expect(result.images).toHaveLength(2);
    const metadata = await sharp(base64Of(result.images[0])).metadata();
    expect(metadata.format).toBe('png');
    expect(metadata.width! / metadata.height!).toBeCloseTo(1344 / 768, 1);
    // 35 units per V4.1 image, 1000 units a dollar.
    expect(result.reportedCostMicros).toBe(70_000);
    expect(apiCalls()).toHaveLength(1);
    expect(apiCalls()[0]!.headers['authorization']).toBe(`Bearer ${KEY}`);
    expect(jsonOf(apiCalls()[0]!)).toMatchObject({ model: 'recraftv4_1', n: 2, size: '1344x768', response_format: 'b64_json' });
  });

  it('edits one image through imageToImage at the image size', async () => {
    const result = await adapter.generate(callFor('recraftv3', { images: [await inputImage(512, 768)], extra: { strength: 0.2 } }));
    expect(result.images).toHaveLength(1);
    expect(apiCalls()[0]!.path).toBe('/v1/images/imageToImage');
    expect((await formDataOf(apiCalls()[0]!)).get('strength')).toBe('0.2');
  });

  it('inpaints with the client mask as pure white = change at the image size, which the fake checks', async () => {
    const result = await adapter.generate(
      callFor('recraftv3', { images: [await inputImage(512, 512)], mask: await softLeftHalfMask(256, 256) }),
    );
    expect(result.images).toHaveLength(1);
    expect(apiCalls()[0]!.path).toBe('/v1/images/inpaint');
    const { data, info } = await sharp(await formFileOf(apiCalls()[0]!, 'mask'))
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([512, 512]);
    expect(new Set(data)).toEqual(new Set([0, 255]));
    // Transparent (left) is the region to change: white.
    expect(data[0]).toBe(255);
    expect(data[info.width - 1]).toBe(0);
  });

  it('maps the plain-text 401 to an auth error and a JSON 400 to an invalid request carrying its message', async () => {
    const unauthorized = await upstreamFailure(adapter.generate(callFor('recraftv3', {}, 'wrong-token-0123456789')));
    expect(unauthorized.kind).toBe('authentication');
    expect(unauthorized.message).toContain('request unauthorized');
    expect(unauthorized.message).not.toContain('wrong-token-0123456789');
    fake.enqueue('bad_request');
    const bad = await upstreamFailure(adapter.generate(callFor('recraftv3')));
    expect(bad.kind).toBe('invalid_request');
    expect(bad.message).toContain('Invalid input.');
  });

  it('is refused by the fake as Recraft would when a V4-only size goes to V3', async () => {
    const call = callFor('recraftv3', { size: { width: 1344, height: 768 } });
    const sizeOffTable = { ...call, options: { ...call.options, sizes: ['1344x768'] } };
    const error = await upstreamFailure(adapter.generate(sizeOffTable));
    expect(error.kind).toBe('invalid_request');
    expect(error.message).toContain("Size '1344x768' is not supported by model 'recraftv3'");
  });

  it('probes the token with GET /users/me, failing on a refused token or an empty balance', async () => {
    const endpoint = { instance: 'recraft', baseUrl: fake.baseUrl, apiKey: KEY, keyIndex: 0, settings: {} };
    expect(await adapter.probe!(endpoint, AbortSignal.timeout(5000))).toEqual({
      ok: true,
      detail: expect.stringContaining('balance 10000'),
    });
    expect((await adapter.probe!({ ...endpoint, apiKey: 'bad-token-0123456789' }, AbortSignal.timeout(5000))).ok).toBe(false);
    fake.credits = 0;
    expect((await adapter.probe!(endpoint, AbortSignal.timeout(5000))).ok).toBe(false);
  });
});
