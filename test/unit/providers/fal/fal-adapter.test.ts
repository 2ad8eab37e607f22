import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { createFalAdapter } from '../../../../src/providers/fal/fal-adapter.js';
import type { FalCall } from '../../../../src/providers/fal/fal-request.js';
import type { ProviderImage } from '../../../../src/providers/provider.js';
import { startFalFake, type FalFakeOptions } from '../../../fakes/fal-fake.js';
import { jsonOf, sendJson, sleep, startFakeUpstream, type FakeUpstream } from '../../../fakes/fake-upstream.js';
import { upstreamFailure } from '../../../helpers/caught-error.js';
import type { ProviderCallOverrides } from '../../../helpers/provider-call.js';
import { FAL_TEST_KEY, FLUX_LORA_INPAINTING, dataUriBytes, falCall, halfTransparentMask, inputImage } from './fal-test-helpers.js';

const fal = createFalAdapter();
const FAST = { poll_interval_ms: 5 };
let fake: FakeUpstream | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function startFake(options: Partial<FalFakeOptions> = {}): Promise<FakeUpstream> {
  fake = await startFalFake({ apiKey: FAL_TEST_KEY, ...options });
  return fake;
}

/** A call against the fake with fast polling; request and call fields overridable. */
function callTo(
  upstream: FakeUpstream,
  request: Parameters<typeof falCall>[0] = {},
  call: Omit<ProviderCallOverrides, 'request'> = {},
): FalCall {
  return falCall(
    { size: { width: 256, height: 192 }, ...request },
    { ...call, options: { ...FAST, ...call.options }, endpoint: { baseUrl: upstream.baseUrl, ...call.endpoint } },
  );
}

const apiCalls = (upstream: FakeUpstream) => upstream.calls.filter((call) => call.kind === 'api');
const urlOf = (image: ProviderImage | undefined) => (image && 'url' in image ? image.url : undefined);

describe('fal adapter: queue flow', () => {
  it('submits, polls status under owner/app until COMPLETED, then reads the result', async () => {
    const upstream = await startFake({ pendingPolls: 3 });
    const result = await fal.generate(callTo(upstream, { n: 2, quality: 'medium' }, { n: 2 }));
    expect(result.images).toHaveLength(2);
    expect(result.warnings).toEqual([]);
    const calls = apiCalls(upstream);
    expect(calls.map((call) => `${call.method} ${call.path.replace(/[0-9a-f-]{36}/, '{id}')}`)).toEqual([
      'POST /fal-ai/flux/schnell',
      'GET /fal-ai/flux/requests/{id}/status',
      'GET /fal-ai/flux/requests/{id}/status',
      'GET /fal-ai/flux/requests/{id}/status',
      'GET /fal-ai/flux/requests/{id}/status',
      'GET /fal-ai/flux/requests/{id}',
    ]);
    expect(calls.every((call) => call.headers['authorization'] === `Key ${FAL_TEST_KEY}`)).toBe(true);
    expect(jsonOf(calls[0]!)).toEqual({
      prompt: 'a lighthouse on a cliff at dawn',
      image_size: { width: 256, height: 192 },
      num_images: 2,
      num_inference_steps: 4,
      output_format: 'png',
    });
    // The images stay on the CDN: the gateway downloads them, without credentials.
    const url = urlOf(result.images[0]);
    expect(url).toMatch(new RegExp(`^${upstream.origin}/cdn/`));
    expect(upstream.calls.some((call) => call.kind === 'cdn')).toBe(false);
  });

  it('polls the edit endpoint under owner/app too (the sub-path would 404)', async () => {
    const upstream = await startFake();
    const call = callTo(upstream, { images: [await inputImage(320, 240)], size: 'auto' }, { upstreamModel: 'fal-ai/flux/dev' });
    const result = await fal.generate(call);
    expect(result.images).toHaveLength(1);
    const paths = apiCalls(upstream).map((recorded) => recorded.path);
    expect(paths[0]).toBe('/fal-ai/flux/dev/image-to-image');
    expect(paths.slice(1).every((path) => path.startsWith('/fal-ai/flux/requests/'))).toBe(true);
    const body = jsonOf(apiCalls(upstream)[0]!) as Record<string, unknown>;
    expect(await sharp(dataUriBytes(body['image_url'])).metadata()).toMatchObject({ format: 'png', width: 320, height: 240 });
  });

  it('ignores queue URLs on a foreign host and polls the documented ones on its base', async () => {
    const upstream = await startFake({ queueUrlOrigin: 'https://collector.example' });
    const result = await fal.generate(callTo(upstream));
    expect(result.images).toHaveLength(1);
    expect(apiCalls(upstream).filter((call) => call.method === 'GET')).toHaveLength(4);
  });

  it('returns sync_mode data URIs as base64 text, exactly as sent', async () => {
    const upstream = await startFake();
    const result = await fal.generate(callTo(upstream, {}, { options: { sync_mode: true } }));
    const image = result.images[0];
    expect(image && 'base64' in image).toBe(true);
    const bytes = Buffer.from((image as { base64: Buffer }).base64.toString('latin1'), 'base64');
    expect(await sharp(bytes).metadata()).toMatchObject({ format: 'png', width: 256, height: 192 });
  });

  it('accepts a synchronous base URL (fal.run) that answers with the output itself', async () => {
    fake = await startFakeUpstream({
      basePath: '',
      supports: ['success'],
      handler: (_request, response) =>
        sendJson(response, 200, { images: [{ url: 'https://v3.fal.media/files/a.jpeg' }], has_nsfw_concepts: [false] }),
    });
    const result = await fal.generate(callTo(fake));
    expect(result.images).toEqual([{ url: 'https://v3.fal.media/files/a.jpeg' }]);
  });

  it('scales a large image-to-image input within one megapixel and converts the mask to white-for-edit', async () => {
    const upstream = await startFake();
    const call = callTo(
      upstream,
      { images: [await inputImage(2048, 1536, 'jpeg')], mask: await halfTransparentMask(2048, 1536), size: 'auto' },
      { upstreamModel: 'fal-ai/flux/dev', options: { inpaint: FLUX_LORA_INPAINTING } },
    );
    const result = await fal.generate(call);
    expect(result.warnings).toEqual([
      { type: 'adapted', setting: 'image[]', provider: 'fal', message: expect.stringContaining('2048x1536) was scaled to 1182x886') },
    ]);
    const body = jsonOf(apiCalls(upstream)[0]!) as Record<string, unknown>;
    expect(apiCalls(upstream)[0]!.path).toBe('/fal-ai/flux-lora/inpainting');
    expect(await sharp(dataUriBytes(body['image_url'])).metadata()).toMatchObject({ format: 'jpeg', width: 1182, height: 886 });
    const mask = await sharp(dataUriBytes(body['mask_url'])).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    expect(mask.info).toMatchObject({ width: 1182, height: 886, channels: 1 });
    // Left half was transparent (edit) → white; right half opaque (keep) → black.
    expect(mask.data[10]).toBe(255);
    expect(mask.data[1170]).toBe(0);
  });
});

describe('fal adapter: failures', () => {
  it('refuses the wrong key with an authentication error', async () => {
    const upstream = await startFake();
    const call = callTo(upstream);
    const error = await upstreamFailure(fal.generate({ ...call, endpoint: { ...call.endpoint, apiKey: 'wrong-key-0123456789' } }));
    expect(error).toMatchObject({ kind: 'authentication', upstreamStatus: 401 });
  });

  it('maps a 422 on submit to invalid_request without polling', async () => {
    const upstream = await startFake();
    upstream.enqueue('bad_request');
    const error = await upstreamFailure(fal.generate(callTo(upstream)));
    expect(error).toMatchObject({ kind: 'invalid_request', upstreamStatus: 422 });
    expect(apiCalls(upstream)).toHaveLength(1);
  });

  it('treats an error from the result URL as the job failing', async () => {
    const upstream = await startFake();
    upstream.enqueue('job_failed');
    const error = await upstreamFailure(fal.generate(callTo(upstream)));
    expect(error).toMatchObject({ kind: 'upstream_error', upstreamStatus: 500 });
    expect(error.retryable).toBe(true);
  });

  it('returns only clean images when the safety checker flagged some, and refuses when it flagged all', async () => {
    const upstream = await startFake({ nsfwIndexes: [0] });
    const partly = await fal.generate(callTo(upstream, { n: 2 }, { n: 2 }));
    expect(partly.images).toHaveLength(1);
    const all = await upstreamFailure(fal.generate(callTo(upstream)));
    expect(all).toMatchObject({ kind: 'content_policy', status: 400 });
  });

  it('cancels the queued request when the client goes away', async () => {
    const upstream = await startFake();
    upstream.enqueue('slow');
    upstream.slowMs = 10_000;
    const controller = new AbortController();
    const pending = fal.generate(callTo(upstream, {}, { signal: controller.signal }));
    while (!upstream.calls.some((call) => call.path.endsWith('/status'))) await sleep(5);
    controller.abort(new Error('client closed'));
    await expect(pending).rejects.toThrow('client closed');
    while (!upstream.calls.some((call) => call.method === 'PUT')) await sleep(5);
    const cancel = upstream.calls.find((call) => call.method === 'PUT');
    expect(cancel?.path).toMatch(/^\/fal-ai\/flux\/requests\/[0-9a-f-]{36}\/cancel$/);
    expect(cancel?.headers['authorization']).toBe(`Key ${FAL_TEST_KEY}`);
  });

  it('gives up at the deadline with a timeout, and cancels', async () => {
    const upstream = await startFake();
    upstream.enqueue('slow');
    upstream.slowMs = 10_000;
    const error = await upstreamFailure(fal.generate(callTo(upstream, {}, { deadline: Date.now() + 150 })));
    expect(error).toMatchObject({ kind: 'timeout' });
    while (!upstream.calls.some((call) => call.method === 'PUT')) await sleep(5);
  });

  it('rejects a status body that is not a queue status as malformed', async () => {
    fake = await startFakeUpstream({
      basePath: '',
      supports: ['success'],
      handler: (request, response) =>
        request.method === 'POST'
          ? sendJson(response, 200, { status: 'IN_QUEUE', request_id: 'r1' })
          : sendJson(response, 200, { status: 'EXPLODED' }),
    });
    const error = await upstreamFailure(fal.generate(callTo(fake)));
    expect(error).toMatchObject({ kind: 'upstream_error' });
    expect(error.message).toContain('not a queue status');
  });
});

describe('fal adapter: images per call and probe', () => {
  it('reports the smallest num_images bound of the endpoints a route may call', () => {
    const perCall = (upstreamModel: string, options: Record<string, unknown> = {}) =>
      fal.maxImagesPerCall?.(upstreamModel, falCall({}, { upstreamModel, options }).options);
    expect(perCall('fal-ai/flux/dev')).toBe(4);
    expect(perCall('fal-ai/flux/dev', { inpaint: { ...FLUX_LORA_INPAINTING, max_images_per_call: 2 } })).toBe(2);
    expect(perCall('fal-ai/bytedance/seedream/v4/text-to-image')).toBe(6);
    expect(perCall('fal-ai/recraft/v3/text-to-image')).toBe(1);
    expect(perCall('acme/unknown')).toBe(1);
    expect(perCall('acme/unknown', { max_images_per_call: 3 })).toBe(3);
  });

  it('probes with an authenticated Platform API read', async () => {
    const upstream = await startFake();
    const endpoint = {
      instance: 'fal',
      baseUrl: upstream.baseUrl,
      apiKey: FAL_TEST_KEY,
      keyIndex: 0,
      settings: { platform_url: `${upstream.origin}/v1` },
    };
    const good = await fal.probe?.(endpoint, AbortSignal.timeout(5_000));
    expect(good).toEqual({
      ok: true,
      detail: expect.stringContaining('/v1/models/pricing?endpoint_id=fal-ai%2Fflux%2Fschnell answered HTTP 200'),
    });
    const bad = await fal.probe?.({ ...endpoint, apiKey: 'wrong-key-0123456789' }, AbortSignal.timeout(5_000));
    expect(bad?.ok).toBe(false);
    expect(bad?.detail).toContain('authentication');
    expect(bad?.detail).not.toContain('wrong-key-0123456789');
  });
});
