import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ImageRequest, InputImage } from '../../../../src/domain/image-request.js';
import { readInputImage } from '../../../../src/images/read-input-image.js';
import { createOpenRouterAdapter } from '../../../../src/providers/openrouter/openrouter-adapter.js';
import { openRouterProvider } from '../../../../src/providers/openrouter/openrouter-provider.js';
import type { OpenRouterCall } from '../../../../src/providers/openrouter/openrouter-request.js';
import { jsonOf } from '../../../fakes/fake-upstream.js';
import { startOpenRouterFake, type OpenRouterFake } from '../../../fakes/openrouter-fake.js';
import { upstreamFailure } from '../../../helpers/caught-error.js';
import { catalogCall, timeLimit } from '../../../helpers/provider-call.js';

const KEY = 'sk-or-v1-adapter-0123456789abcdef';
const adapter = createOpenRouterAdapter();
let fake: OpenRouterFake;

beforeAll(async () => {
  fake = await startOpenRouterFake({ apiKey: KEY });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.calls.length = 0;
});

function callFor(request: Partial<ImageRequest> = {}, upstreamModel = 'google/gemini-2.5-flash-image', apiKey = KEY): OpenRouterCall {
  return catalogCall(openRouterProvider, upstreamModel, {
    request: { model: 'openrouter/gemini-2.5-flash-image', prompt: 'a red fox in snow', ...request },
    ...timeLimit(10_000),
    endpoint: { instance: 'openrouter', baseUrl: fake.baseUrl, apiKey },
  });
}

async function inputImage(): Promise<InputImage> {
  const bytes = await sharp({ create: { width: 48, height: 32, channels: 3, background: { r: 200, g: 40, b: 40 } } })
    .png()
    .toBuffer();
  return readInputImage(bytes, 'image[]');
}

describe('OpenRouter adapter against the fake', () => {
  it('returns the data URL image as the base64 OpenRouter sent, and the cost it reported in micro-USD', async () => {
    const result = await adapter.generate(callFor({ size: { width: 1536, height: 1024 } }));
    expect(result.images).toHaveLength(1);
    const image = result.images[0]!;
    expect('base64' in image).toBe(true);
    const bytes = Buffer.from('base64' in image ? image.base64.toString('ascii') : '', 'base64');
    expect((await sharp(bytes).metadata()).width).toBe(78);
    expect(result.reportedCostMicros).toBe(38_700);
    expect(jsonOf(fake.calls[0]!)).toMatchObject({ image_config: { aspect_ratio: '3:2' }, usage: { include: true } });
  });

  it('edits: the input image reaches the fake as a data URL part the fake could decode', async () => {
    const result = await adapter.generate(callFor({ images: [await inputImage()] }));
    expect(result.images).toHaveLength(1);
    const body = jsonOf(fake.calls[0]!) as { messages: Array<{ content: Array<{ type: string }> }> };
    expect(body.messages[0]!.content.map((part) => part.type)).toEqual(['text', 'image_url']);
  });

  it('serves a model without size control, FLUX.2 [pro], with the size reported as dropped', async () => {
    const result = await adapter.generate(callFor({ size: { width: 1024, height: 768 } }, 'black-forest-labs/flux.2-pro'));
    expect(result.images).toHaveLength(1);
    expect(result.warnings).toEqual([expect.objectContaining({ type: 'unsupported', setting: 'size' })]);
  });

  it('treats a 200 with text and no image as a non-retryable error carrying the model’s words', async () => {
    fake.enqueueOpenRouter('text_only');
    const error = await upstreamFailure(adapter.generate(callFor()));
    expect(error).toMatchObject({ kind: 'invalid_request', code: 'no_image_returned', retryable: false });
    expect(error.message).toContain("I can't create that image");
  });

  it('maps 402 (out of credits) to quota_exceeded', async () => {
    fake.enqueueOpenRouter('insufficient_credits');
    const error = await upstreamFailure(adapter.generate(callFor()));
    expect(error.kind).toBe('quota_exceeded');
    expect(error.message).toContain('Insufficient credits');
  });

  it('passes an https image URL on for the gateway to download', async () => {
    fake.enqueueOpenRouter('https_image');
    const result = await adapter.generate(callFor());
    expect(result.images[0]).toEqual({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/cdn\//) });
  });

  it('refuses a bad key as an authentication error without echoing it', async () => {
    const error = await upstreamFailure(adapter.generate(callFor({}, undefined, 'sk-or-v1-wrong-0123456789abcdef')));
    expect(error.kind).toBe('authentication');
    expect(error.message).not.toContain('sk-or-v1-wrong');
  });
});

describe('OpenRouter models check', () => {
  it('lists GET /models, marking the models whose output modalities include images', async () => {
    const list = await adapter.listModels!(
      { instance: 'openrouter', baseUrl: fake.baseUrl, apiKey: KEY, keyIndex: 0, settings: {} },
      AbortSignal.timeout(5_000),
    );
    expect(list.kind).toBe('listed');
    if (list.kind !== 'listed') return;
    expect(list.source).toBe(`GET ${fake.baseUrl}/models`);
    expect(list.models).toContainEqual({ id: 'google/gemini-2.5-flash-image', image: true });
    expect(list.models).toContainEqual({ id: 'black-forest-labs/flux.2-flex', image: true });
    expect(list.models).toContainEqual({ id: 'openai/gpt-4o-mini', image: false });
  });
});
