import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ImageRequest, InputImage } from '../../../../src/domain/image-request.js';
import { readInputImage } from '../../../../src/images/read-input-image.js';
import { createIdeogramAdapter } from '../../../../src/providers/ideogram/ideogram-adapter.js';
import { ideogramProvider } from '../../../../src/providers/ideogram/ideogram-provider.js';
import type { IdeogramCall } from '../../../../src/providers/ideogram/ideogram-request.js';
import type { ProviderImage } from '../../../../src/providers/provider.js';
import { formDataOf, formFileOf } from '../../../fakes/fake-upstream.js';
import { startIdeogramFake, type IdeogramFake } from '../../../fakes/ideogram-fake.js';
import { upstreamFailure } from '../../../helpers/caught-error.js';
import { leftHalfMask } from '../../../helpers/left-half-mask.js';
import { catalogCall, timeLimit } from '../../../helpers/provider-call.js';

const KEY = 'ideogram_adapter_key_0123456789';
const adapter = createIdeogramAdapter();
let fake: IdeogramFake;

beforeAll(async () => {
  fake = await startIdeogramFake({ apiKey: KEY });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.calls.length = 0;
});

function callFor(request: Partial<ImageRequest> = {}, apiKey = KEY): IdeogramCall {
  return catalogCall(ideogramProvider, 'ideogram-v3', {
    request: { model: 'ideogram/ideogram-v3', prompt: 'a poster that says "OPEN"', ...request },
    ...timeLimit(10_000),
    endpoint: { instance: 'ideogram', baseUrl: fake.baseUrl, apiKey },
  });
}

const apiCalls = () => fake.calls.filter((call) => call.kind === 'api');
const urlOf = (image: ProviderImage | undefined) => (image && 'url' in image ? image.url : undefined);

async function inputImage(width: number, height: number): Promise<InputImage> {
  const bytes = await sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 40 } } })
    .png()
    .toBuffer();
  return readInputImage(bytes, 'image[]');
}

async function maskInput(width: number, height: number): Promise<InputImage> {
  return readInputImage(await leftHalfMask(width, height), 'mask');
}

describe('ideogram adapter against the fake', () => {
  it('generates with Api-Key over multipart and returns signed URLs without downloading them', async () => {
    const result = await adapter.generate({ ...callFor({ n: 2, size: { width: 1312, height: 736 } }), n: 2 });
    expect(result.images).toHaveLength(2);
    expect(urlOf(result.images[0])).toMatch(/\/cdn\/files\/.+\.png\?exp=\d+&sig=[0-9a-f]{64}$/);
    const [call] = apiCalls();
    expect(call?.path).toBe('/v1/ideogram-v3/generate');
    expect(call?.headers['api-key']).toBe(KEY);
    expect(call?.headers['authorization']).toBeUndefined();
    expect(String(call?.headers['content-type'])).toMatch(/^multipart\/form-data/);
    expect(fake.calls.filter((recorded) => recorded.kind === 'cdn')).toHaveLength(0);
  });

  it("serves result URLs until they expire, as Ideogram's ephemeral URLs do", async () => {
    const result = await adapter.generate(callFor());
    const url = urlOf(result.images[0])!;
    expect(Number(new URL(url).searchParams.get('exp')) * 1000).toBeGreaterThan(Date.now());
    expect((await fetch(url)).status).toBe(200);
    fake.expireResults();
    expect((await fetch(url)).status).toBe(404);
  });

  it('reports the Magic Prompt rewrite as the revised prompt', async () => {
    const result = await adapter.generate(callFor({ extra: { magic_prompt: 'ON' } }));
    expect(result.images[0]?.revisedPrompt).toMatch(/^a poster that says "OPEN", with bold lettering/);
    const plain = await adapter.generate(callFor({ extra: { magic_prompt: 'OFF' } }));
    expect(plain.images[0]?.revisedPrompt).toBeUndefined();
  });

  it('inpaints with the mask inverted to black = edit, at the size of the image', async () => {
    const result = await adapter.generate(callFor({ images: [await inputImage(96, 64)], mask: await maskInput(48, 32) }));
    expect(result.images).toHaveLength(1);
    const [call] = apiCalls();
    expect(call?.path).toBe('/v1/ideogram-v3/inpaint');
    const { data, info } = await sharp(await formFileOf(call!, 'mask'))
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([96, 64]);
    const at = (x: number, y: number) => data[(y * info.width + x) * info.channels];
    // The client's transparent (edit) half is black, the kept half white.
    expect(at(10, 30)).toBe(0);
    expect(at(80, 30)).toBe(255);
  });

  it('remixes an image without a mask', async () => {
    await adapter.generate(callFor({ images: [await inputImage(128, 72)], extra: { image_weight: 30 } }));
    const [call] = apiCalls();
    expect(call?.path).toBe('/v1/ideogram-v3/remix');
    const form = await formDataOf(call!);
    expect([form.get('image_weight'), form.get('aspect_ratio')]).toEqual(['30', '16x9']);
  });

  it('drops images withheld by the safety check, and fails with content policy when none is left', async () => {
    fake.enqueueIdeogram('first_image_unsafe');
    const partial = await adapter.generate({ ...callFor({ n: 3 }), n: 3 });
    expect(partial.images).toHaveLength(2);
    expect(partial.warnings).toContainEqual(expect.objectContaining({ type: 'other', provider: 'ideogram' }));

    fake.enqueueIdeogram('all_images_unsafe');
    const error = await upstreamFailure(adapter.generate(callFor()));
    expect([error.kind, error.code, error.retryable]).toEqual(['content_policy', 'content_policy_violation', false]);
  });

  it('maps 402 to quota, 403 to permission and a wrong key to authentication, never echoing the key', async () => {
    fake.enqueueIdeogram('insufficient_credits');
    expect((await upstreamFailure(adapter.generate(callFor()))).kind).toBe('quota_exceeded');
    fake.enqueueIdeogram('forbidden');
    expect((await upstreamFailure(adapter.generate(callFor()))).kind).toBe('permission');
    const wrong = await upstreamFailure(adapter.generate(callFor({}, 'not-the-key-0123456789')));
    expect(wrong.kind).toBe('authentication');
    expect(wrong.message).not.toContain('not-the-key-0123456789');
  });
});

describe('ideogram fake: validates what Ideogram validates', () => {
  const post = (path: string, body: FormData | string, headers: Record<string, string> = { 'api-key': KEY }) =>
    fetch(`${fake.baseUrl}${path}`, { method: 'POST', body, headers });
  const form = (fields: Record<string, string>) => {
    const data = new FormData();
    for (const [name, value] of Object.entries(fields)) data.append(name, value);
    return data;
  };

  it('refuses JSON bodies, unknown enums, aspect_ratio with resolution, and num_images above 8', async () => {
    const json = await post('/v1/ideogram-v3/generate', JSON.stringify({ prompt: 'x' }), {
      'api-key': KEY,
      'content-type': 'application/json',
    });
    expect(json.status).toBe(400);
    const cases: Array<Record<string, string>> = [
      { prompt: 'x', rendering_speed: 'BALANCED' },
      { prompt: 'x', aspect_ratio: '16:9' },
      { prompt: 'x', aspect_ratio: '1x1', resolution: '1024x1024' },
      { prompt: 'x', num_images: '9' },
      { rendering_speed: 'TURBO' },
    ];
    for (const fields of cases) {
      expect((await post('/v1/ideogram-v3/generate', form(fields))).status, JSON.stringify(fields)).toBe(400);
    }
  });

  it('refuses an inpaint mask of another size than the image', async () => {
    const data = form({ prompt: 'x' });
    const png = (width: number, height: number) =>
      sharp({ create: { width, height, channels: 3, background: { r: 0, g: 0, b: 0 } } })
        .png()
        .toBuffer();
    data.append('image', new Blob([await png(64, 64)], { type: 'image/png' }), 'image.png');
    data.append('mask', new Blob([await png(32, 32)], { type: 'image/png' }), 'mask.png');
    const response = await post('/v1/ideogram-v3/inpaint', data);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('same size');
  });
});

describe('ideogram probe', () => {
  const endpoint = (apiKey: string) => ({ instance: 'ideogram', baseUrl: fake.baseUrl, apiKey, keyIndex: 0, settings: {} });

  it('accepts a key that the generation lookup answers with 404, and refuses one it answers with 401', async () => {
    const ok = await adapter.probe!(endpoint(KEY), AbortSignal.timeout(5_000));
    expect(ok.ok).toBe(true);
    expect(fake.calls.at(-1)).toMatchObject({ method: 'GET', path: '/v1/generations/imagerouter-doctor-probe' });
    const refused = await adapter.probe!(endpoint('wrong-key-0123456789abcdef'), AbortSignal.timeout(5_000));
    expect(refused).toMatchObject({ ok: false, detail: expect.stringContaining('HTTP 401 (the key was refused)') });
    expect(refused.detail).not.toContain('wrong-key-0123456789abcdef');
  });
});
