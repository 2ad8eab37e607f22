import { describe, expect, it } from 'vitest';
import { buildFalSubmitRequest, falEndpointFor, type FalCall, type PreparedFalImage } from '../../../../src/providers/fal/fal-request.js';
import { thrownApiError } from '../../../helpers/caught-error.js';
import { FAL_TEST_KEY, FLUX_LORA_INPAINTING, falCall } from './fal-test-helpers.js';

const image = (label: string, width = 512, height = 512, format: 'png' | 'jpeg' = 'png'): PreparedFalImage => ({
  bytes: Buffer.from(label),
  format,
  width,
  height,
});
/** Only its presence matters to endpoint selection; the builder sends the prepared image. */
const clientImage = { bytes: Buffer.from('client image'), format: 'png' as const, width: 640, height: 480, hasAlpha: false };
const uri = (label: string, mime = 'image/png') => `data:${mime};base64,${Buffer.from(label).toString('base64')}`;

function build(call: FalCall, images: PreparedFalImage[] = [], mask?: Buffer) {
  const { model: endpointId, profile } = falEndpointFor(call);
  return buildFalSubmitRequest({ call, endpointId, profile, images, mask });
}

describe('buildFalSubmitRequest: text to image', () => {
  it('posts the flat model input to {base}/{endpoint id} with Authorization: Key', () => {
    const request = build(falCall({ n: 2, size: { width: 1024, height: 768 }, quality: 'high', outputFormat: 'png' }, { n: 2 }));
    expect(request).toEqual({
      url: 'https://queue.fal.run/fal-ai/flux/schnell',
      method: 'POST',
      headers: { authorization: `Key ${FAL_TEST_KEY}`, accept: 'application/json', 'content-type': 'application/json' },
      body: {
        prompt: 'a lighthouse on a cliff at dawn',
        image_size: { width: 1024, height: 768 },
        num_images: 2,
        num_inference_steps: 8,
        output_format: 'png',
      },
      warnings: [],
    });
  });

  it('sends FLUX `auto` as 1024x1024 and leaves steps and format to fal where the client left them', () => {
    const { body } = build(falCall({ outputFormat: 'webp' }));
    expect(body).toEqual({ prompt: 'a lighthouse on a cliff at dawn', image_size: { width: 1024, height: 1024 }, num_images: 1 });
  });

  it('maps quality to num_inference_steps per endpoint', () => {
    const steps = (upstreamModel: string, quality: 'low' | 'medium' | 'high') =>
      build(falCall({ quality, outputFormat: 'jpeg' }, { upstreamModel })).body['num_inference_steps'];
    expect([steps('fal-ai/flux/schnell', 'low'), steps('fal-ai/flux/schnell', 'medium')]).toEqual([2, 4]);
    expect([steps('fal-ai/flux/dev', 'low'), steps('fal-ai/flux/dev', 'medium'), steps('fal-ai/flux/dev', 'high')]).toEqual([14, 28, 40]);
    expect(steps('fal-ai/qwen-image', 'high')).toBe(50);
  });

  it('reports quality as unsupported where the endpoint has no steps knob', () => {
    const { body, warnings } = build(falCall({ quality: 'high' }, { upstreamModel: 'fal-ai/bytedance/seedream/v4/text-to-image' }));
    expect(body['num_inference_steps']).toBeUndefined();
    expect(warnings).toEqual([
      { type: 'unsupported', setting: 'quality', provider: 'fal', message: expect.stringContaining("quality 'high' was ignored") },
    ]);
  });

  it('caps num_images at the endpoint maximum (the gateway fans out for the rest)', () => {
    expect(build(falCall({ n: 9 }, { n: 9 })).body['num_images']).toBe(4);
    expect(build(falCall({ n: 9 }, { n: 9, upstreamModel: 'fal-ai/bytedance/seedream/v4/text-to-image' })).body['num_images']).toBe(6);
    // Recraft has no num_images field at all.
    expect(build(falCall({ n: 3 }, { n: 3, upstreamModel: 'fal-ai/recraft/v3/text-to-image' })).body).not.toHaveProperty('num_images');
  });

  it('takes a route override of images per call, also for endpoints without a profile', () => {
    const { body } = build(falCall({ n: 3 }, { n: 3, upstreamModel: 'acme/new-model', options: { max_images_per_call: 2 } }));
    expect(body['num_images']).toBe(2);
  });

  it('passes the safety checker and sync_mode settings, route before instance', () => {
    const fromInstance = falCall({}, { endpoint: { settings: { enable_safety_checker: false } } });
    expect(build(fromInstance).body['enable_safety_checker']).toBe(false);
    const routeWins = falCall(
      {},
      { options: { enable_safety_checker: true, sync_mode: true }, endpoint: { settings: { enable_safety_checker: false } } },
    );
    expect(build(routeWins).body).toMatchObject({ enable_safety_checker: true, sync_mode: true });
  });

  it("adds the route's fixed model input last", () => {
    const { body } = build(falCall({}, { options: { input: { acceleration: 'high', num_images: 1 } } }));
    expect(body).toMatchObject({ acceleration: 'high', num_images: 1 });
  });

  it('sends no Authorization header without a key', () => {
    const call = falCall();
    const { headers } = build({ ...call, endpoint: { ...call.endpoint, apiKey: undefined } });
    expect(headers).not.toHaveProperty('authorization');
  });
});

describe('buildFalSubmitRequest: sizes', () => {
  it('rounds FLUX edges to multiples of 16 and says so', () => {
    const { body, warnings } = build(falCall({ size: { width: 1000, height: 750 } }));
    expect(body['image_size']).toEqual({ width: 1008, height: 752 });
    expect(warnings).toEqual([
      { type: 'adapted', setting: 'size', provider: 'fal', message: expect.stringContaining('1000x750 was sent as 1008x752') },
    ]);
  });

  it('scales a Seedream 4.5 size up to its 2560x1440-pixel minimum, keeping the shape', () => {
    const { body, warnings } = build(
      falCall({ size: { width: 1024, height: 1024 } }, { upstreamModel: 'fal-ai/bytedance/seedream/v4.5/text-to-image' }),
    );
    expect(body['image_size']).toEqual({ width: 1920, height: 1920 });
    expect(warnings[0]).toMatchObject({
      type: 'adapted',
      setting: 'size',
      message: expect.stringContaining('needs at least 3686400 pixels'),
    });
  });

  it('leaves Seedream `auto` to the model default and a size within bounds untouched', () => {
    const seedream = { upstreamModel: 'fal-ai/bytedance/seedream/v4/text-to-image' };
    expect(build(falCall({}, seedream)).body).not.toHaveProperty('image_size');
    const { body, warnings } = build(falCall({ size: { width: 2048, height: 1536 } }, seedream));
    expect(body['image_size']).toEqual({ width: 2048, height: 1536 });
    expect(warnings).toEqual([]);
  });

  it('sends Recraft sizes as they are', () => {
    const { body, warnings } = build(
      falCall({ size: { width: 1365, height: 1024 } }, { upstreamModel: 'fal-ai/recraft/v3/text-to-image' }),
    );
    expect(body['image_size']).toEqual({ width: 1365, height: 1024 });
    expect(warnings).toEqual([]);
  });

  it('reports a size it cannot send to an endpoint that keeps the input size', () => {
    const call = falCall({ size: { width: 1024, height: 768 }, images: [] }, { upstreamModel: 'fal-ai/flux/dev/image-to-image' });
    const { body, warnings } = build(call, [image('one')]);
    expect(body).not.toHaveProperty('image_size');
    expect(warnings).toEqual([
      { type: 'unsupported', setting: 'size', provider: 'fal', message: expect.stringContaining('keeps the size of the input image') },
    ]);
  });
});

describe('buildFalSubmitRequest: editing', () => {
  it("switches to the route's edit endpoint and inlines the image as a data URI", () => {
    const call = falCall(
      { images: [clientImage], quality: 'low', outputFormat: 'jpeg', extra: { strength: '0.8', seed: 7 } },
      { upstreamModel: 'fal-ai/flux/dev' },
    );
    expect(falEndpointFor(call).model).toBe('fal-ai/flux/dev/image-to-image');
    const request = build(call, [image('photo', 640, 480, 'jpeg')]);
    expect(request.url).toBe('https://queue.fal.run/fal-ai/flux/dev/image-to-image');
    expect(request.body).toEqual({
      prompt: 'a lighthouse on a cliff at dawn',
      num_images: 1,
      num_inference_steps: 20,
      output_format: 'jpeg',
      image_url: uri('photo', 'image/jpeg'),
      // Multipart fields arrive as text; fal wants numbers.
      strength: 0.8,
      seed: 7,
    });
    expect(request.warnings).toEqual([]);
  });

  it('sends several images as image_urls, in order, to Seedream edit', () => {
    const call = falCall({ size: { width: 2048, height: 2048 } }, { upstreamModel: 'fal-ai/bytedance/seedream/v4/edit' });
    const { body } = build(call, [image('first'), image('second'), image('third')]);
    expect(body).toEqual({
      prompt: 'a lighthouse on a cliff at dawn',
      image_size: { width: 2048, height: 2048 },
      num_images: 1,
      image_urls: [uri('first'), uri('second'), uri('third')],
    });
  });

  it("fits Qwen edit's `auto` size to image 1's shape within one megapixel", () => {
    const call = falCall({}, { upstreamModel: 'fal-ai/qwen-image-edit' });
    const { body } = build(call, [image('wide', 3000, 2000)]);
    expect(body['image_size']).toEqual({ width: 1248, height: 832 });
    expect(body['image_url']).toBe(uri('wide'));
  });

  it('sends the converted mask as mask_url to the inpainting endpoint', () => {
    const call = falCall(
      { mask: { bytes: Buffer.from('client mask'), format: 'png', width: 8, height: 8, hasAlpha: true } },
      { upstreamModel: 'fal-ai/flux/dev', options: { inpaint: FLUX_LORA_INPAINTING } },
    );
    expect(falEndpointFor(call).model).toBe('fal-ai/flux-lora/inpainting');
    const { url, body } = build(call, [image('photo')], Buffer.from('white mask'));
    expect(url).toBe('https://queue.fal.run/fal-ai/flux-lora/inpainting');
    expect(body).toMatchObject({ image_url: uri('photo'), mask_url: uri('white mask') });
  });

  it('refuses a mask on a route without an inpainting endpoint, naming the parameter', () => {
    const call = falCall(
      { mask: { bytes: Buffer.from('m'), format: 'png', width: 8, height: 8, hasAlpha: true } },
      { upstreamModel: 'fal-ai/flux/dev' },
    );
    const error = thrownApiError(() => falEndpointFor(call));
    expect(error).toMatchObject({ kind: 'invalid_request', param: 'mask' });
  });

  it('refuses a prompt-only request to an edit-only endpoint, and too many images', () => {
    const editOnly = falCall({}, { upstreamModel: 'fal-ai/qwen-image-edit' });
    expect(thrownApiError(() => build(editOnly))).toMatchObject({ kind: 'invalid_request', param: 'image[]' });
    const tooMany = falCall({}, { upstreamModel: 'fal-ai/qwen-image-edit' });
    expect(thrownApiError(() => build(tooMany, [image('a'), image('b')])).message).toContain('at most 1 input image');
  });
});

describe('buildFalSubmitRequest: extra parameters', () => {
  it("passes the endpoint's parameters and reports the others as not sent", () => {
    const call = falCall(
      { extra: { seed: '42', negative_prompt: 'blurry', user: 'u-1', stream: false, background: 'transparent' } },
      { upstreamModel: 'fal-ai/qwen-image' },
    );
    const { body, warnings } = build(call);
    expect(body).toMatchObject({ seed: 42, negative_prompt: 'blurry' });
    expect(body).not.toHaveProperty('user');
    expect(body).not.toHaveProperty('stream');
    expect(warnings.map((warning) => [warning.type, warning.setting])).toEqual([
      ['unsupported', 'user'],
      ['unsupported', 'background'],
    ]);
  });

  it('passes a Recraft raster style and refuses vector styles (SVG) with a 400 on style', () => {
    const recraft = { upstreamModel: 'fal-ai/recraft/v3/text-to-image' };
    expect(build(falCall({ extra: { style: 'digital_illustration/pixel_art' } }, recraft)).body['style']).toBe(
      'digital_illustration/pixel_art',
    );
    expect(thrownApiError(() => build(falCall({ extra: { style: 'vector_illustration/line_art' } }, recraft)))).toMatchObject({
      kind: 'invalid_request',
      param: 'style',
    });
  });
});
