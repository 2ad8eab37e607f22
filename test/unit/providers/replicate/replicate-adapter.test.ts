import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ImageRequest, InputImage } from '../../../../src/domain/image-request.js';
import type { ProviderImage } from '../../../../src/providers/provider.js';
import type { ProviderInstance } from '../../../../src/providers/provider-instances.js';
import { createProviderRegistry } from '../../../../src/providers/registry.js';
import { createReplicateAdapter } from '../../../../src/providers/replicate/replicate-adapter.js';
import { replicateProvider } from '../../../../src/providers/replicate/replicate-provider.js';
import type { ReplicateCall } from '../../../../src/providers/replicate/replicate-request.js';
import type { Attempt } from '../../../../src/domain/attempt.js';
import { createRouterState } from '../../../../src/routing/router-state.js';
import { runRoutes } from '../../../../src/routing/run-routes.js';
import { fakeImage, jsonOf, sendJson, startFakeUpstream, type FakeHandler, type FakeUpstream } from '../../../fakes/fake-upstream.js';
import {
  FAKE_NSFW_ERROR,
  FAKE_UNKNOWN_ERROR,
  SDXL_VERSION,
  startReplicateFake,
  type ReplicateFake,
} from '../../../fakes/replicate-fake.js';
import { upstreamFailure } from '../../../helpers/caught-error.js';
import { catalogRouteOptions } from '../../../helpers/catalog-route-options.js';
import { catalogCall, imageRequest, parsedCall, timeLimit, type ProviderCallOverrides } from '../../../helpers/provider-call.js';

const KEY = 'r8_adapter_test_token_0123456789';
const adapter = createReplicateAdapter();
let fake: ReplicateFake;

beforeAll(async () => {
  fake = await startReplicateFake({ apiKey: KEY });
});
afterAll(() => fake.close());
afterEach(() => {
  fake.calls.length = 0;
  fake.pendingPolls = 0;
  fake.failureError = FAKE_UNKNOWN_ERROR;
});

/** A call to a model the catalog routes to Replicate, with its route's profile, polling every 5 ms. */
function callFor(
  upstream: FakeUpstream,
  upstreamModel: string,
  request: Partial<ImageRequest> = {},
  overrides: Omit<ProviderCallOverrides, 'request'> = {},
): ReplicateCall {
  return catalogCall(replicateProvider, upstreamModel, {
    request: { model: 'acme/model', prompt: 'a red fox in snow', outputFormat: 'webp', ...request },
    ...timeLimit(10_000),
    endpoint: { instance: 'replicate', baseUrl: upstream.baseUrl, apiKey: KEY },
    ...overrides,
    options: { poll_interval_ms: 5, ...overrides.options },
  });
}

function urlOf(image: ProviderImage | undefined): string {
  if (!image || !('url' in image)) throw new Error('expected a URL image');
  return image.url;
}

const apiCalls = () => fake.calls.filter((call) => call.kind === 'api');

/** A one-off upstream for shapes the faithful fake never produces on its own. */
async function scriptedUpstream(handler: FakeHandler): Promise<FakeUpstream> {
  return startFakeUpstream({ basePath: '/v1', supports: [], handler });
}

describe('replicate adapter against the fake', () => {
  it('finishes in one sync request and returns the hosted files as URLs, fetched without the token', async () => {
    const result = await adapter.generate(callFor(fake, 'black-forest-labs/flux-schnell', { size: { width: 1344, height: 768 }, n: 2 }));
    expect(apiCalls()).toHaveLength(1);
    expect(apiCalls()[0]?.headers['prefer']).toMatch(/^wait=\d+$/);
    expect(result.images).toHaveLength(2);
    expect(result.warnings).toEqual([]);
    const download = await fetch(urlOf(result.images[0]));
    const metadata = await sharp(Buffer.from(await download.arrayBuffer())).metadata();
    expect({ format: metadata.format, width: metadata.width, height: metadata.height }).toEqual({
      format: 'webp',
      width: 1344,
      height: 768,
    });
  });

  it('polls urls.get with the token until the prediction ends', async () => {
    fake.pendingPolls = 3;
    const result = await adapter.generate(callFor(fake, 'black-forest-labs/flux-schnell'));
    const [create, ...polls] = apiCalls();
    expect(create?.method).toBe('POST');
    // Three answers say `processing`, the fourth is the finished prediction.
    expect(polls).toHaveLength(4);
    for (const poll of polls) expect(`${poll.method} ${poll.path}`).toMatch(/^GET \/v1\/predictions\/fake\w+$/);
    expect(polls.every((poll) => poll.headers['authorization'] === `Bearer ${KEY}`)).toBe(true);
    expect(result.images).toHaveLength(1);
  });

  it('sends no Prefer header with wait_seconds 0 and polls a starting prediction', async () => {
    await adapter.generate(callFor(fake, 'luma/photon', {}, { options: { poll_interval_ms: 5, wait_seconds: 0 } }));
    const [create, poll] = apiCalls();
    expect(create?.headers['prefer']).toBeUndefined();
    expect(poll?.method).toBe('GET');
  });

  it('reports an NSFW refusal, a failed prediction answered 200, as our 400 content_policy_violation', async () => {
    fake.pendingPolls = 1;
    fake.enqueue('content_policy');
    const error = await upstreamFailure(adapter.generate(callFor(fake, 'black-forest-labs/flux-schnell')));
    expect(error).toMatchObject({
      kind: 'content_policy',
      status: 400,
      type: 'content_policy_violation',
      code: 'content_policy_violation',
      retryable: false,
    });
    expect(error.message).toContain(FAKE_NSFW_ERROR);
  });

  it('reports an E005 "flagged as sensitive" prediction as a content-policy refusal, with the key redacted', async () => {
    fake.pendingPolls = 1;
    fake.failureError = `The input or output was flagged as sensitive. (E005) [token ${KEY}]`;
    fake.enqueue('job_failed');
    const error = await upstreamFailure(adapter.generate(callFor(fake, 'black-forest-labs/flux-schnell')));
    expect(error).toMatchObject({ kind: 'content_policy', status: 400, code: 'content_policy_violation', retryable: false });
    expect(error.message).toContain('The input or output was flagged as sensitive. (E005)');
    expect(error.message).not.toContain(KEY);
  });

  it('fails an out-of-memory prediction (E1001, or a raw CUDA OOM) to the client, not retried, suggesting a smaller size', async () => {
    for (const text of [
      'The model ran out of memory. (E1001)',
      'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.25 GiB.',
    ]) {
      fake.failureError = text;
      fake.enqueue('job_failed');
      const error = await upstreamFailure(adapter.generate(callFor(fake, 'black-forest-labs/flux-schnell')));
      expect(error).toMatchObject({ kind: 'invalid_request', status: 400, code: 'prediction_out_of_memory', retryable: false });
      expect(error.message).toContain(text);
      expect(error.message).toMatch(/smaller size/);
    }
  });

  it('keeps an unknown (E1000), start-timeout (E6716) or unrecognised failure a retryable upstream error', async () => {
    const unrecognised = ['Traceback (most recent call last): ValueError: bad seed', 'Prediction failed. It might have run out of memory?'];
    for (const text of [FAKE_UNKNOWN_ERROR, 'Timed out waiting for the prediction to start. (E6716)', ...unrecognised]) {
      fake.failureError = text;
      fake.enqueue('job_failed');
      const error = await upstreamFailure(adapter.generate(callFor(fake, 'black-forest-labs/flux-schnell')));
      expect(error).toMatchObject({ kind: 'upstream_error', status: 502, code: 'prediction_failed', retryable: true });
      expect(error.message).toContain(text);
    }
  });

  it('cancels the prediction when the client goes away, and rejects with the client reason', async () => {
    fake.pendingPolls = 10_000;
    const controller = new AbortController();
    const reason = new Error('client closed');
    setTimeout(() => controller.abort(reason), 60);
    const rejected = await adapter
      .generate(callFor(fake, 'black-forest-labs/flux-schnell', {}, { signal: controller.signal }))
      .catch((error: unknown) => error);
    expect(rejected).toBe(reason);
    await vi.waitFor(() => expect(fake.canceled).toHaveLength(1));
    const cancel = fake.calls.find((call) => call.path.endsWith('/cancel'));
    expect(cancel?.headers['authorization']).toBe(`Bearer ${KEY}`);
  });

  it('gives up at the deadline with a timeout, and cancels', async () => {
    fake.pendingPolls = 10_000;
    const before = fake.canceled.length;
    const error = await upstreamFailure(
      adapter.generate(callFor(fake, 'black-forest-labs/flux-schnell', {}, { deadline: Date.now() + 150 })),
    );
    expect(error.kind).toBe('timeout');
    await vi.waitFor(() => expect(fake.canceled.length).toBe(before + 1));
  });

  it('sends SDXL inpainting as a version with the mask converted to white = repaint', async () => {
    const image: InputImage = { bytes: await fakeImage(64, 48, 'png'), format: 'png', width: 64, height: 48, hasAlpha: false };
    // OpenAI convention: the left half transparent (edit), the right half opaque (keep).
    const maskPixels = Buffer.alloc(64 * 48 * 4);
    for (let index = 0; index < 64 * 48; index += 1) maskPixels[index * 4 + 3] = index % 64 < 32 ? 0 : 255;
    const maskBytes = await sharp(maskPixels, { raw: { width: 64, height: 48, channels: 4 } })
      .png()
      .toBuffer();
    const mask: InputImage = { bytes: maskBytes, format: 'png', width: 64, height: 48, hasAlpha: true };
    const result = await adapter.generate(
      callFor(fake, `stability-ai/sdxl:${SDXL_VERSION}`, { images: [image], mask, outputFormat: 'png' }),
    );

    const body = jsonOf(apiCalls()[0]!) as { version: string; input: { mask: string; image: string } };
    expect(apiCalls()[0]?.path).toBe('/v1/predictions');
    expect(body.version).toBe(SDXL_VERSION);
    expect(body.input.image).toBe(`data:image/png;base64,${image.bytes.toString('base64')}`);
    const sentMask = await sharp(Buffer.from(body.input.mask.replace(/^data:image\/png;base64,/, ''), 'base64'))
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(sentMask.info).toMatchObject({ width: 64, height: 48 });
    expect([sentMask.data[0], sentMask.data[63]]).toEqual([255, 0]);
    // The fake renders at the input image's size, as cog-sdxl does for inpainting.
    const metadata = await sharp(Buffer.from(await (await fetch(urlOf(result.images[0]))).arrayBuffer())).metadata();
    expect([metadata.width, metadata.height]).toEqual([64, 48]);
  });

  it('reports hardware-time cost when the route gives a price per second', async () => {
    const result = await adapter.generate(
      callFor(fake, `stability-ai/sdxl:${SDXL_VERSION}`, {}, { options: { poll_interval_ms: 5, usd_per_second: 0.000975 } }),
    );
    // The fake bills predict_time 0.811 s.
    expect(result.reportedCostMicros).toBe(791);
    const perImage = await adapter.generate(callFor(fake, 'black-forest-labs/flux-schnell'));
    expect(perImage.reportedCostMicros).toBeUndefined();
  });

  it('maps a 422 to a non-retryable invalid request that quotes the detail', async () => {
    fake.enqueue('bad_request');
    const error = await upstreamFailure(adapter.generate(callFor(fake, 'black-forest-labs/flux-schnell')));
    expect(error).toMatchObject({ kind: 'invalid_request', upstreamStatus: 422 });
    expect(error.message).toContain('input.num_outputs: Must be less than or equal to 4');
  });

  it('probes GET /account with the token, and never echoes a bad key', async () => {
    const endpoint = callFor(fake, 'luma/photon').endpoint;
    await expect(adapter.probe!(endpoint, AbortSignal.timeout(5_000))).resolves.toEqual({
      ok: true,
      detail: "GET /account → 200 (account 'fake-user')",
    });
    const bad = await adapter.probe!({ ...endpoint, apiKey: 'r8_wrong_key_abcdefghijklmnop' }, AbortSignal.timeout(5_000));
    expect(bad).toEqual({ ok: false, detail: 'GET /account → HTTP 401: You did not pass a valid authentication token' });
  });

  it('yields as many images per call as the model count input allows', () => {
    expect(adapter.maxImagesPerCall?.('black-forest-labs/flux-schnell', callFor(fake, 'black-forest-labs/flux-schnell').options)).toBe(4);
    expect(adapter.maxImagesPerCall?.('luma/photon', callFor(fake, 'luma/photon').options)).toBe(1);
    const unknownWith = (model: string) =>
      parsedCall(replicateProvider, { upstreamModel: 'acme/unknown', options: catalogRouteOptions(replicateProvider, model) }).options;
    expect(adapter.maxImagesPerCall?.('acme/unknown', unknownWith('luma/photon'))).toBe(1);
    expect(adapter.maxImagesPerCall?.('acme/unknown', unknownWith(`stability-ai/sdxl:${SDXL_VERSION}`))).toBe(4);
  });
});

describe('replicate adapter on unusual upstream answers', () => {
  const prediction = (origin: string, fields: Record<string, unknown>) => ({
    id: 'abc123',
    status: 'starting',
    output: null,
    error: null,
    urls: { get: `${origin}/v1/predictions/abc123`, cancel: `${origin}/v1/predictions/abc123/cancel` },
    ...fields,
  });

  it('keeps polling through a 503 and a 429 on urls.get', async () => {
    let polls = 0;
    const upstream = await scriptedUpstream((_request, response, call, context) => {
      if (call.method === 'POST') return sendJson(response, 201, prediction(context.origin, {}));
      polls += 1;
      if (polls === 1) return sendJson(response, 503, { detail: 'Service unavailable' });
      if (polls === 2) return sendJson(response, 429, { detail: 'Request was throttled.' }, { 'retry-after': '0' });
      return sendJson(
        response,
        200,
        prediction(context.origin, { status: 'succeeded', output: ['https://replicate.delivery/xezq/a/out-0.webp'] }),
      );
    });
    try {
      const result = await adapter.generate(callFor(upstream, 'luma/photon'));
      expect(result.images).toEqual([{ url: 'https://replicate.delivery/xezq/a/out-0.webp' }]);
      expect(polls).toBe(3);
    } finally {
      await upstream.close();
    }
  });

  it('refuses to send the token to a poll URL on another origin', async () => {
    const upstream = await scriptedUpstream((_request, response) => sendJson(response, 201, prediction('https://evil.example', {})));
    try {
      const error = await upstreamFailure(adapter.generate(callFor(upstream, 'luma/photon')));
      expect(error.kind).toBe('upstream_error');
      expect(error.message).toContain('https://evil.example');
      expect(upstream.calls).toHaveLength(1);
    } finally {
      await upstream.close();
    }
  });

  it('accepts outputs that are complete while the status still says processing, and keeps data URIs encoded', async () => {
    const upstream = await scriptedUpstream((_request, response, _call, context) =>
      sendJson(response, 201, prediction(context.origin, { status: 'processing', output: 'data:image/png;base64,iVBORw0KGgo=' })),
    );
    try {
      const result = await adapter.generate(callFor(upstream, 'luma/photon'));
      expect(result.images).toEqual([{ base64: Buffer.from('iVBORw0KGgo=', 'latin1') }]);
      expect(upstream.calls).toHaveLength(1);
    } finally {
      await upstream.close();
    }
  });

  it('polls {base}/predictions/{id} when the prediction has no urls, and refuses outputs that are not images', async () => {
    const upstream = await scriptedUpstream((_request, response, call) => {
      if (call.method === 'POST') return sendJson(response, 201, { id: 'abc123', status: 'starting', output: null });
      return sendJson(response, 200, { id: 'abc123', status: 'succeeded', output: ['ftp://files.example/out.png'] });
    });
    try {
      const error = await upstreamFailure(adapter.generate(callFor(upstream, 'luma/photon')));
      expect(upstream.calls.map((call) => `${call.method} ${call.path}`)).toEqual([
        'POST /v1/models/luma/photon/predictions',
        'GET /v1/predictions/abc123',
      ]);
      expect(error).toMatchObject({ kind: 'upstream_error' });
      expect(error.message).toContain('neither a URL nor a base64 data URI');
    } finally {
      await upstream.close();
    }
  });

  it('fails a succeeded prediction whose output was removed, and a canceled one', async () => {
    let status = 'succeeded';
    const upstream = await scriptedUpstream((_request, response, _call, context) =>
      sendJson(response, 201, prediction(context.origin, { status, data_removed: status === 'succeeded' })),
    );
    try {
      const removed = await upstreamFailure(adapter.generate(callFor(upstream, 'luma/photon')));
      expect(removed.message).toContain('already removed');
      status = 'canceled';
      const canceled = await upstreamFailure(adapter.generate(callFor(upstream, 'luma/photon')));
      expect(canceled).toMatchObject({ kind: 'upstream_error', code: 'prediction_canceled' });
    } finally {
      await upstream.close();
    }
  });

  it('maps 402 to quota_exceeded and redacts a key echoed in the detail', async () => {
    const upstream = await scriptedUpstream((_request, response) =>
      sendJson(response, 402, {
        title: 'Insufficient credit',
        detail: `You have insufficient credit to run this model (token ${KEY}).`,
        status: 402,
      }),
    );
    try {
      const error = await upstreamFailure(adapter.generate(callFor(upstream, 'luma/photon')));
      expect(error).toMatchObject({ kind: 'quota_exceeded', retryable: false });
      expect(error.message).not.toContain(KEY);
    } finally {
      await upstream.close();
    }
  });
});

describe('replicate refusals through the router', () => {
  const instanceOn = (id: string): ProviderInstance => ({
    id,
    adapter: 'replicate',
    title: id,
    baseUrl: fake.baseUrl,
    apiKeys: [KEY],
    settings: {},
    configured: true,
    missing: undefined,
    keyVariables: [],
    baseUrlVariable: '',
  });

  it('creates one billed prediction for a refusal: no retry, no fallback to the next route', async () => {
    const state = createRouterState({ clock: Date.now, random: () => 0.5 });
    state.sleep = async () => undefined;
    const registry = createProviderRegistry([adapter], [instanceOn('replicate'), instanceOn('replicate-backup')]);
    // Options as the boot parses them.
    const options = callFor(fake, 'black-forest-labs/flux-schnell').options;
    const routes = ['replicate', 'replicate-backup'].map((provider) => ({
      provider,
      model: 'black-forest-labs/flux-schnell',
      options,
      fallback_on_content_policy: false,
    }));
    fake.enqueue('content_policy');
    const attempts: Attempt[] = [];
    const error = await runRoutes({
      routes,
      registry,
      call: { request: imageRequest({ model: 'acme/model', prompt: 'a red fox in snow' }), n: 1, ...timeLimit(10_000) },
      clock: Date.now,
      attempts,
      state,
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: 'content_policy', status: 400, code: 'content_policy_violation' });
    expect(apiCalls().filter((call) => call.method === 'POST' && call.path.endsWith('/predictions'))).toHaveLength(1);
    expect(attempts.map((attempt) => [attempt.provider, attempt.errorKind])).toEqual([['replicate', 'content_policy']]);
  });
});
