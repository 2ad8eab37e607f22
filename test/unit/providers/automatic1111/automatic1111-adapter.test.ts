import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ImageRequest, InputImage } from '../../../../src/domain/image-request.js';
import { readInputImage } from '../../../../src/images/read-input-image.js';
import { createAutomatic1111Adapter } from '../../../../src/providers/automatic1111/automatic1111-adapter.js';
import { listAutomatic1111Checkpoints } from '../../../../src/providers/automatic1111/automatic1111-checkpoints.js';
import { automatic1111HttpError } from '../../../../src/providers/automatic1111/automatic1111-errors.js';
import { automatic1111Provider } from '../../../../src/providers/automatic1111/automatic1111-provider.js';
import type { ProviderImage } from '../../../../src/providers/provider.js';
import { A1111_CHECKPOINTS, startAutomatic1111Fake, type Automatic1111Fake } from '../../../fakes/automatic1111-fake.js';
import { upstreamFailure } from '../../../helpers/caught-error.js';
import { catalogCall, timeLimit, type ProviderCallOverrides } from '../../../helpers/provider-call.js';

const CREDENTIALS = 'alice:correct-horse-battery';
const CHECKPOINT = A1111_CHECKPOINTS[0]!;
const adapter = createAutomatic1111Adapter();
let fake: Automatic1111Fake;

beforeAll(async () => {
  fake = await startAutomatic1111Fake({ credentials: CREDENTIALS });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.calls.length = 0;
  fake.generations.length = 0;
  fake.grids = true;
});

function callFor(request: Partial<ImageRequest> = {}, overrides: Omit<ProviderCallOverrides, 'request'> = {}) {
  return catalogCall(automatic1111Provider, CHECKPOINT, {
    request: { model: 'automatic1111/stable-diffusion-v1-5', prompt: 'a red door', ...request },
    ...timeLimit(10_000),
    ...overrides,
    endpoint: { instance: 'gpu-box', baseUrl: fake.baseUrl, apiKey: CREDENTIALS, ...overrides.endpoint },
  });
}

async function sizeOf(image: ProviderImage | undefined): Promise<{ width?: number; height?: number }> {
  if (!image || !('base64' in image)) throw new Error('expected base64');
  const metadata = await sharp(Buffer.from(image.base64.toString('latin1'), 'base64')).metadata();
  return { width: metadata.width, height: metadata.height };
}

describe('automatic1111 adapter against the fake WebUI', () => {
  it('skips the leading grid of a batch and returns the batch images at the requested size', async () => {
    const result = await adapter.generate(callFor({ n: 3, size: { width: 256, height: 128 } }, { n: 3 }));
    expect(result.images).toHaveLength(3);
    for (const image of result.images) expect(await sizeOf(image)).toEqual({ width: 256, height: 128 });
    expect(fake.generations).toEqual([
      expect.objectContaining({
        path: '/sdapi/v1/txt2img',
        checkpoint: CHECKPOINT,
        body: expect.objectContaining({ batch_size: 3 }) as object,
      }),
    ]);
  });

  it('splits n above max_images_per_call into batches', async () => {
    fake.grids = false;
    const result = await adapter.generate(
      callFor({ n: 5, size: { width: 64, height: 64 } }, { n: 5, options: { max_images_per_call: 2 } }),
    );
    expect(result.images).toHaveLength(5);
    expect(fake.generations.map((generation) => generation.body['batch_size'])).toEqual([2, 2, 1]);
  });

  it('inpaints through img2img with the client mask converted to white = repaint at the image size', async () => {
    const picture = await readInputImage(
      await sharp({ create: { width: 96, height: 64, channels: 3, background: '#336699' } })
        .png()
        .toBuffer(),
      'image[]',
    );
    // OpenAI convention: transparent = edit. Left half transparent, right half opaque, at half size.
    const alpha = Buffer.alloc(48 * 32 * 4);
    for (let y = 0; y < 32; y += 1) for (let x = 0; x < 48; x += 1) alpha[(y * 48 + x) * 4 + 3] = x < 24 ? 0 : 255;
    const mask: InputImage = await readInputImage(
      await sharp(alpha, { raw: { width: 48, height: 32, channels: 4 } })
        .png()
        .toBuffer(),
      'mask',
    );

    const result = await adapter.generate(callFor({ images: [picture], mask }));
    expect(result.images).toHaveLength(1);
    const sent = fake.generations[0];
    expect(sent?.path).toBe('/sdapi/v1/img2img');
    expect(sent?.body).toMatchObject({ width: 96, height: 64, denoising_strength: 0.75, inpainting_fill: 1 });
    const maskBytes = Buffer.from(String(sent?.body['mask']), 'base64');
    const { data, info } = await sharp(maskBytes).greyscale().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([96, 64]);
    expect(data[10 * 96 + 5]).toBe(255);
    expect(data[10 * 96 + 90]).toBe(0);
  });

  it('maps the server errors: 401 auth, 404 sampler, 422 naming the field, 500 OOM retryable', async () => {
    const unauthorized = await upstreamFailure(adapter.generate(callFor({}, { endpoint: { apiKey: 'alice:wrong' } })));
    expect(unauthorized).toMatchObject({ kind: 'authentication', provider: 'gpu-box' });
    expect(unauthorized.message).not.toContain('alice:wrong');

    const sampler = await upstreamFailure(adapter.generate(callFor({}, { options: { sampler_name: 'Euler Z' } })));
    expect(sampler).toMatchObject({ kind: 'invalid_request', retryable: false });
    expect(sampler.message).toContain('Sampler not found');

    fake.enqueue('bad_request');
    const validation = await upstreamFailure(adapter.generate(callFor()));
    expect(validation.kind).toBe('invalid_request');
    expect(validation.message).toContain("'steps'");

    fake.enqueue('server_error');
    const oom = await upstreamFailure(adapter.generate(callFor()));
    expect(oom).toMatchObject({ kind: 'upstream_error', code: 'out_of_memory', retryable: true });
  });

  it('keeps Retry-After from a proxy that answers 429', () => {
    const error = automatic1111HttpError(
      'gpu-box',
      { status: 429, headers: { 'retry-after': '3' }, body: Buffer.from('Too Many Requests') },
      CREDENTIALS,
    );
    expect(error).toMatchObject({ kind: 'rate_limited', retryAfterMs: 3000, retryable: true });
  });

  it('probes /sd-models with HTTP Basic and lists the checkpoints; a wrong password fails the probe', async () => {
    const endpoint = { instance: 'gpu-box', baseUrl: fake.baseUrl, apiKey: CREDENTIALS, keyIndex: 0, settings: {} };
    const ok = await adapter.probe!(endpoint, AbortSignal.timeout(5_000));
    expect(ok.ok).toBe(true);
    expect(ok.detail).toContain('2 checkpoint(s)');
    expect(await listAutomatic1111Checkpoints(endpoint, AbortSignal.timeout(5_000))).toEqual(A1111_CHECKPOINTS);
    const bad = await adapter.probe!({ ...endpoint, apiKey: 'alice:nope' }, AbortSignal.timeout(5_000));
    expect(bad).toMatchObject({ ok: false, detail: expect.stringContaining('401') as string });
    expect(bad.detail).not.toContain('nope');
  });
});
