import sharp, { type Metadata } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageRequest, InputImage } from '../../../../src/domain/image-request.js';
import type { ProviderImage } from '../../../../src/providers/provider.js';
import { stabilityProvider } from '../../../../src/providers/stability/stability-provider.js';
import type { FakeUpstream } from '../../../fakes/fake-upstream.js';
import { formDataOf } from '../../../fakes/fake-upstream.js';
import { startStabilityFake, STABILITY_FAKE_API_KEY } from '../../../fakes/stability-fake.js';
import { thrownApiError, upstreamFailure } from '../../../helpers/caught-error.js';
import { catalogCall } from '../../../helpers/provider-call.js';

let fake: FakeUpstream;
beforeAll(async () => {
  fake = await startStabilityFake();
});
afterAll(() => fake.close());

const adapter = stabilityProvider.createAdapter();
const callFor = (upstreamModel: string, request: Partial<ImageRequest> = {}) =>
  catalogCall(stabilityProvider, upstreamModel, {
    request: { model: 'stability/test', prompt: 'a walnut side table', ...request },
    endpoint: { instance: 'stability', baseUrl: fake.baseUrl, apiKey: STABILITY_FAKE_API_KEY },
    signal: AbortSignal.timeout(10_000),
  });

async function inputImage(width: number, height: number, alpha?: (x: number, y: number) => number): Promise<InputImage> {
  const raw = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) raw.writeUInt32BE((0x336699 << 8) | (alpha ? alpha(x, y) : 255), (y * width + x) * 4);
  }
  const bytes = await sharp(raw, { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer();
  return { bytes, format: 'png', width, height, hasAlpha: true };
}

async function decoded(image: ProviderImage | undefined): Promise<Metadata> {
  if (!image || !('base64' in image)) throw new Error('expected a base64 image');
  return sharp(Buffer.from(image.base64.toString('ascii'), 'base64')).metadata();
}

describe('stability adapter against the fake', () => {
  it('generates with Core at about a megapixel for the mapped ratio', async () => {
    const result = await adapter.generate(callFor('core', { size: { width: 1920, height: 1080 } }));
    const metadata = await decoded(result.images[0]);
    expect(metadata.width).toBe(1344);
    expect(metadata.height).toBe(768);
    const form = await formDataOf(fake.calls.at(-1)!);
    expect(form.get('aspect_ratio')).toBe('16:9');
    expect(String(fake.calls.at(-1)!.headers['content-type'])).toMatch(/^multipart\/form-data; boundary=/);
  });

  it("inpaints with the client's OpenAI mask sent as grayscale, white where the client's mask was transparent", async () => {
    const image = await inputImage(128, 96);
    // The client's mask: transparent (edit) on the left half.
    const mask = await inputImage(128, 96, (x) => (x < 64 ? 0 : 255));
    const result = await adapter.generate(callFor('inpaint', { images: [image], mask, extra: { grow_mask: 6 } }));
    const metadata = await decoded(result.images[0]);
    expect([metadata.width, metadata.height]).toEqual([128, 96]);
    const form = await formDataOf(fake.calls.at(-1)!);
    const sent = form.get('mask');
    expect(sent).toBeInstanceOf(Blob);
    const { data, info } = await sharp(Buffer.from(await (sent as Blob).arrayBuffer()))
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([128, 96]);
    expect(data[10 * info.width + 5]).toBe(255);
    expect(data[10 * info.width + 120]).toBe(0);
    expect(form.get('grow_mask')).toBe('6');
  });

  it('removes a background as PNG when JPEG was asked (Stability writes none), and the fake refuses JPEG there', async () => {
    const result = await adapter.generate(
      callFor('remove-background', { prompt: undefined, outputFormat: 'jpeg', images: [await inputImage(80, 80)] }),
    );
    expect((await decoded(result.images[0])).format).toBe('png');
    const form = new FormData();
    form.append('image', new Blob([(await inputImage(80, 80)).bytes], { type: 'image/png' }), 'image.png');
    form.append('output_format', 'jpeg');
    const response = await fetch(`${fake.baseUrl}/v2beta/stable-image/edit/remove-background`, {
      method: 'POST',
      headers: { authorization: `Bearer ${STABILITY_FAKE_API_KEY}`, accept: 'application/json' },
      body: form,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ name: 'bad_request', errors: [expect.stringContaining('output_format')] });
  });

  it('refuses a too-small input image with the 400 Stability gives, as an invalid request', async () => {
    const error = await upstreamFailure(adapter.generate(callFor('sd3.5-large', { images: [await inputImage(32, 32)] })));
    expect(error.kind).toBe('invalid_request');
    expect(error.message).toContain('image');
  });

  it('refuses a mask on an endpoint without one before any request', async () => {
    const before = fake.calls.length;
    const mask = await inputImage(80, 80, () => 0);
    const error = await adapter
      .generate(callFor('sd3.5-large', { images: [await inputImage(80, 80)], mask }))
      .catch((caught: unknown) => caught);
    expect(
      thrownApiError(() => {
        throw error;
      }).param,
    ).toBe('mask');
    expect(fake.calls.length).toBe(before);
  });

  it('fake: JSON bodies are a 400, image/* answers carry finish-reason and seed headers', async () => {
    const json = await fetch(`${fake.baseUrl}/v2beta/stable-image/generate/core`, {
      method: 'POST',
      headers: { authorization: `Bearer ${STABILITY_FAKE_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'x' }),
    });
    expect(json.status).toBe(400);
    const form = new FormData();
    form.append('prompt', 'x');
    form.append('aspect_ratio', '9:16');
    const bytes = await fetch(`${fake.baseUrl}/v2beta/stable-image/generate/core`, {
      method: 'POST',
      headers: { authorization: `Bearer ${STABILITY_FAKE_API_KEY}`, accept: 'image/*' },
      body: form,
    });
    expect(bytes.status).toBe(200);
    expect(bytes.headers.get('content-type')).toBe('image/png');
    expect(bytes.headers.get('finish-reason')).toBe('SUCCESS');
    expect(bytes.headers.get('seed')).toMatch(/^\d+$/);
    const metadata = await sharp(Buffer.from(await bytes.arrayBuffer())).metadata();
    expect([metadata.width, metadata.height]).toEqual([768, 1344]);
  });

  it('fake: an async creative upscale answers 200 {id}, then 202 while in progress, then the result; 404 for an unknown id', async () => {
    const form = new FormData();
    form.append('image', new Blob([(await inputImage(256, 256)).bytes], { type: 'image/png' }), 'image.png');
    form.append('prompt', 'a sharper lighthouse');
    const auth = { authorization: `Bearer ${STABILITY_FAKE_API_KEY}` };
    const start = await fetch(`${fake.baseUrl}/v2beta/stable-image/upscale/creative`, { method: 'POST', headers: auth, body: form });
    expect(start.status).toBe(200);
    const { id } = (await start.json()) as { id: string };
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const poll = () => fetch(`${fake.baseUrl}/v2beta/results/${id}`, { headers: { ...auth, accept: 'application/json' } });
    expect((await poll()).status).toBe(202);
    expect((await poll()).status).toBe(202);
    const done = await poll();
    expect(done.status).toBe(200);
    const body = (await done.json()) as { image: string; finish_reason: string };
    expect(body.finish_reason).toBe('SUCCESS');
    const metadata = await sharp(Buffer.from(body.image, 'base64')).metadata();
    expect([metadata.width, metadata.height]).toEqual([2048, 2048]);
    const unknown = await fetch(`${fake.baseUrl}/v2beta/results/${'0'.repeat(64)}`, { headers: auth });
    expect(unknown.status).toBe(404);
  });
});
