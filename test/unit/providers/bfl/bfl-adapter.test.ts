import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ImageRequest, InputImage } from '../../../../src/domain/image-request.js';
import { readInputImage } from '../../../../src/images/read-input-image.js';
import { createBflAdapter } from '../../../../src/providers/bfl/bfl-adapter.js';
import { bflProvider } from '../../../../src/providers/bfl/bfl-provider.js';
import type { BflRouteOptions, BflSettings } from '../../../../src/providers/bfl/bfl-route-options.js';
import type { ProviderCall, ProviderImage } from '../../../../src/providers/provider.js';
import { startBflFake, type BflFake } from '../../../fakes/bfl-fake.js';
import { jsonOf, type RecordedCall } from '../../../fakes/fake-upstream.js';
import { upstreamFailure } from '../../../helpers/caught-error.js';
import { catalogRouteOptions } from '../../../helpers/catalog-route-options.js';
import { catalogCall, timeLimit, type ProviderCallOverrides } from '../../../helpers/provider-call.js';

const KEY = 'bfl_adapter_key_0123456789';
const adapter = createBflAdapter();
let fake: BflFake;

beforeAll(async () => {
  fake = await startBflFake({ apiKey: KEY });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.calls.length = 0;
  fake.pendingPolls = 2;
  fake.pollingUrlFor = (id, origin) => `${origin}/us1/v1/get_result?id=${id}`;
});

/** A call to a catalog endpoint with its bfl.yaml options, polling every 5 ms. */
function callFor(
  upstreamModel: string,
  request: Partial<ImageRequest> = {},
  overrides: Omit<ProviderCallOverrides, 'request'> = {},
): ProviderCall<BflRouteOptions, BflSettings> {
  return catalogCall(bflProvider, upstreamModel, {
    request: { model: 'black-forest-labs/test', prompt: 'a lighthouse at dawn', ...request },
    ...timeLimit(10_000),
    endpoint: { instance: 'bfl', baseUrl: fake.baseUrl, apiKey: KEY },
    ...overrides,
    options: { poll_interval_ms: 5, ...overrides.options },
  });
}

const submits = () => fake.calls.filter((call) => call.method === 'POST');
const polls = () => fake.calls.filter((call) => call.method === 'GET' && call.path.endsWith('/get_result'));
const urlOf = (image: ProviderImage | undefined) => (image && 'url' in image ? image.url : undefined);

async function inputImage(width: number, height: number, format: 'png' | 'jpeg', alpha = false): Promise<InputImage> {
  const base = sharp({ create: { width, height, channels: alpha ? 4 : 3, background: { r: 200, g: 40, b: 40, alpha: 1 } } });
  return readInputImage(await (format === 'png' ? base.png() : base.jpeg()).toBuffer(), 'image[]');
}

describe('bfl adapter: the task flow', () => {
  it('submits with x-key, follows polling_url past Pending, and returns the result URL without downloading it', async () => {
    const result = await adapter.generate(callFor('flux-2-pro', { size: { width: 800, height: 1248 }, extra: { seed: 42 } }));

    expect(adapter.maxImagesPerCall?.('flux-2-pro', callFor('flux-2-pro').options)).toBe(1);
    const [submit] = submits();
    expect(submit?.path).toBe('/v1/flux-2-pro');
    expect(submit?.headers['x-key']).toBe(KEY);
    expect(jsonOf(submit as RecordedCall)).toEqual({
      prompt: 'a lighthouse at dawn',
      width: 800,
      height: 1248,
      seed: 42,
      output_format: 'png',
    });
    // Two Pending answers, then Ready, all on the cluster path the fake handed out.
    expect(polls().map((call) => [call.path, call.headers['x-key']])).toEqual([
      ['/us1/v1/get_result', KEY],
      ['/us1/v1/get_result', KEY],
      ['/us1/v1/get_result', KEY],
    ]);
    expect(urlOf(result.images[0])).toMatch(new RegExp(`^${fake.origin}/cdn/files/.+\\.png$`));
    expect(fake.calls.filter((call) => call.kind === 'cdn')).toHaveLength(0);
    // 0.9984 MP at 3 credits for the first megapixel = 3 credits = $0.03.
    expect(result.reportedCostMicros).toBe(30_000);
    expect(result.warnings).toEqual([]);

    const download = await fetch(urlOf(result.images[0]) ?? '');
    const metadata = await sharp(Buffer.from(await download.arrayBuffer())).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['png', 800, 1248]);
  });

  it('keeps polling through FLUX.2 Reasoning and Generating states and a 503 blip', async () => {
    fake.enqueueBfl('reasoning');
    expect((await adapter.generate(callFor('flux-2-max'))).images).toHaveLength(1);
    fake.calls.length = 0;
    fake.enqueueBfl('poll_unavailable');
    expect((await adapter.generate(callFor('flux-2-max'))).images).toHaveLength(1);
    expect(polls()).toHaveLength(4);
  });

  it('runs one task per image when asked for more than one, summing the costs', async () => {
    const result = await adapter.generate(callFor('flux-kontext-max', { n: 2 }, { n: 2 }));
    expect(result.images).toHaveLength(2);
    expect(new Set(result.images.map(urlOf)).size).toBe(2);
    expect(submits()).toHaveLength(2);
    expect(result.reportedCostMicros).toBe(160_000);
  });

  it('sends edits as raw base64 input images and the Fill mask as white = edit', async () => {
    const photo = await inputImage(64, 48, 'jpeg');
    const style = await inputImage(32, 32, 'png');
    await adapter.generate(callFor('flux-kontext-pro', { images: [photo, style] }));
    const kontext = jsonOf(submits()[0] as RecordedCall) as Record<string, string>;
    expect(Buffer.from(kontext['input_image'] ?? '', 'base64').equals(photo.bytes)).toBe(true);
    expect(Buffer.from(kontext['input_image_2'] ?? '', 'base64').equals(style.bytes)).toBe(true);

    // OpenAI convention: the transparent left half is the area to edit.
    const rgba = Buffer.alloc(64 * 48 * 4);
    for (let pixel = 0; pixel < 64 * 48; pixel += 1) rgba[pixel * 4 + 3] = pixel % 64 < 32 ? 0 : 255;
    const maskBytes = await sharp(rgba, { raw: { width: 64, height: 48, channels: 4 } })
      .png()
      .toBuffer();
    fake.calls.length = 0;
    const result = await adapter.generate(
      callFor('flux-pro-1.0-fill', { images: [photo], mask: await readInputImage(maskBytes, 'mask'), outputFormat: 'jpeg' }),
    );
    const fill = jsonOf(submits()[0] as RecordedCall) as Record<string, string>;
    const mask = await sharp(Buffer.from(fill['mask'] ?? '', 'base64'))
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([mask.info.width, mask.info.height]).toEqual([64, 48]);
    expect(mask.data[0]).toBe(255);
    expect(mask.data[63]).toBe(0);
    expect(urlOf(result.images[0])).toMatch(/\.jpeg$/);
  });
});

describe('bfl adapter: the polling URL and the key', () => {
  it('refuses a polling URL on another origin without sending the key there', async () => {
    fake.pollingUrlFor = (id, origin) => `${origin.replace('127.0.0.1', 'localhost')}/us1/v1/get_result?id=${id}`;
    const error = await upstreamFailure(adapter.generate(callFor('flux-2-pro')));
    expect(error).toMatchObject({ kind: 'upstream_error', code: 'untrusted_polling_url' });
    expect(error.message).not.toContain(KEY);
    // localhost reaches the same fake: no poll arrived, so the key never left.
    expect(polls()).toHaveLength(0);
  });

  it('refuses an http polling URL on a bfl.ai-looking host', async () => {
    fake.pollingUrlFor = (id) => `http://api.us1.bfl.ai/v1/get_result?id=${id}`;
    expect(await upstreamFailure(adapter.generate(callFor('flux-2-pro')))).toMatchObject({ code: 'untrusted_polling_url' });
  });
});

describe('bfl adapter: errors', () => {
  it('maps Request Moderated and Content Moderated to content_policy with the reasons', async () => {
    fake.enqueue('content_policy');
    const input = await upstreamFailure(adapter.generate(callFor('flux-2-pro')));
    expect(input).toMatchObject({ kind: 'content_policy', code: 'content_policy_violation' });
    expect(input.message).toContain('Request Moderated (Derivative Works Filter)');
    fake.enqueueBfl('content_moderated');
    const output = await upstreamFailure(adapter.generate(callFor('flux-2-pro')));
    expect(output.message).toContain('Content Moderated (NSFW)');
    expect(output.retryable).toBe(false);
  });

  it('maps Error to a retryable job failure and Task not found to a failure without more polling', async () => {
    fake.enqueue('job_failed');
    expect(await upstreamFailure(adapter.generate(callFor('flux-2-pro')))).toMatchObject({
      kind: 'upstream_error',
      code: 'job_failed',
      retryable: true,
    });
    fake.calls.length = 0;
    fake.enqueueBfl('task_not_found');
    expect(await upstreamFailure(adapter.generate(callFor('flux-2-pro')))).toMatchObject({ code: 'task_not_found' });
    expect(polls()).toHaveLength(1);
  });

  it('maps 402 to quota_exceeded and BFL’s 403 for a wrong key to authentication, without the key', async () => {
    fake.enqueueBfl('insufficient_credits');
    expect(await upstreamFailure(adapter.generate(callFor('flux-2-pro')))).toMatchObject({ kind: 'quota_exceeded', upstreamStatus: 402 });
    const wrongKey = 'bfl_wrong_key_9876543210';
    const error = await upstreamFailure(
      adapter.generate(
        callFor('flux-2-pro', {}, { endpoint: { instance: 'bfl', baseUrl: fake.baseUrl, apiKey: wrongKey, keyIndex: 1, settings: {} } }),
      ),
    );
    expect(error).toMatchObject({ kind: 'authentication', upstreamStatus: 403 });
    expect(error.message).toContain('Not authenticated - Invalid Authentication');
    expect(error.message).not.toContain(wrongKey);
  });

  it('reports a 422 with the field BFL named', async () => {
    // A route that wrongly declares FLUX.1.1 [pro] a FLUX.2 endpoint sends sizes in multiples of 16.
    const error = await upstreamFailure(
      adapter.generate(
        callFor('flux-pro-1.1', { size: { width: 1008, height: 1024 } }, { options: catalogRouteOptions(bflProvider, 'flux-2-pro') }),
      ),
    );
    expect(error).toMatchObject({ kind: 'invalid_request', upstreamStatus: 422 });
    expect(error.message).toContain('width: Input should be a multiple of 32');
  });

  it('gives up at the deadline with the last status', async () => {
    fake.pendingPolls = 10_000;
    const error = await upstreamFailure(adapter.generate(callFor('flux-2-klein-4b', {}, { deadline: Date.now() + 150 })));
    expect(error).toMatchObject({ kind: 'timeout' });
    expect(error.message).toContain('last status: Pending');
  });

  it('rejects with the signal’s reason when the client goes away mid-polling', async () => {
    fake.pendingPolls = 10_000;
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('client left')), 50);
    await expect(adapter.generate(callFor('flux-2-pro', {}, { signal: controller.signal }))).rejects.toThrow('client left');
  });
});

describe('bfl adapter: probe', () => {
  it('reads the credit balance with the key', async () => {
    const probe = await adapter.probe?.(
      { instance: 'bfl', baseUrl: fake.baseUrl, apiKey: KEY, keyIndex: 0, settings: {} },
      AbortSignal.timeout(5_000),
    );
    expect(probe).toEqual({ ok: true, detail: `GET ${fake.baseUrl}/credits answered 200: 1234.5 credits ($12.35) left` });
    expect(fake.calls.at(-1)?.headers['x-key']).toBe(KEY);
  });

  it('reports a refused key without echoing it', async () => {
    const wrongKey = 'bfl_wrong_key_9876543210';
    const probe = await adapter.probe?.(
      { instance: 'bfl', baseUrl: fake.baseUrl, apiKey: wrongKey, keyIndex: 0, settings: {} },
      AbortSignal.timeout(5_000),
    );
    expect(probe?.ok).toBe(false);
    expect(probe?.detail).toContain('HTTP 403');
    expect(probe?.detail).not.toContain(wrongKey);
  });
});
