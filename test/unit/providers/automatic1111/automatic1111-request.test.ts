import { describe, expect, it } from 'vitest';
import type { InputImage } from '../../../../src/domain/image-request.js';
import { automatic1111Provider } from '../../../../src/providers/automatic1111/automatic1111-provider.js';
import { buildAutomatic1111Request } from '../../../../src/providers/automatic1111/automatic1111-request.js';
import { routeOptionProblems } from '../../../helpers/catalog-route-options.js';
import { thrownApiError } from '../../../helpers/caught-error.js';
import { catalogCall, type ProviderCallOverrides } from '../../../helpers/provider-call.js';

const CHECKPOINT = 'v1-5-pruned-emaonly.safetensors [6ce0161689]';
const BASE = 'http://gpu-box:7860';
const call = (overrides: ProviderCallOverrides = {}) =>
  catalogCall(automatic1111Provider, CHECKPOINT, {
    ...overrides,
    endpoint: { instance: 'automatic1111', baseUrl: BASE, apiKey: 'alice:s3cret', ...overrides.endpoint },
  });
const NO_INPUTS = { image: undefined, mask: undefined };
const image: InputImage = { bytes: Buffer.from('png bytes'), format: 'png', width: 600, height: 400, hasAlpha: false };
const prepared = { bytes: Buffer.from('png bytes'), width: 600, height: 400 };

describe('buildAutomatic1111Request: the exact outgoing request', () => {
  it('text to image: txt2img with the route default size, medium steps for auto, the checkpoint override and HTTP Basic', () => {
    const request = buildAutomatic1111Request(call(), NO_INPUTS, 2);
    expect(request).toEqual({
      url: `${BASE}/sdapi/v1/txt2img`,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('alice:s3cret').toString('base64')}` },
      body: {
        prompt: 'a lighthouse on a cliff',
        seed: -1,
        width: 512,
        height: 512,
        batch_size: 2,
        n_iter: 1,
        steps: 25,
        cfg_scale: 7,
        sampler_name: 'DPM++ 2M',
        scheduler: 'Karras',
        send_images: true,
        save_images: false,
        override_settings: { sd_model_checkpoint: CHECKPOINT },
      },
      warnings: [],
    });
  });

  it('sends no Authorization header to a server without --api-auth, and no override with switch_checkpoint: false', () => {
    const request = buildAutomatic1111Request(
      call({ endpoint: { apiKey: undefined }, options: { switch_checkpoint: false } }),
      NO_INPUTS,
      1,
    );
    expect(request.headers).toEqual({ 'content-type': 'application/json' });
    expect(request.body.override_settings).toBeUndefined();
  });

  it('maps quality to steps, rounds sizes to the multiple with a warning, and passes the typed extras', () => {
    const request = buildAutomatic1111Request(
      call({
        request: {
          quality: 'high',
          size: { width: 770, height: 515 },
          extra: { seed: 42, negative_prompt: 'blurry', guidance_scale: 5.5, strength: 0.4 },
        },
      }),
      NO_INPUTS,
      1,
    );
    expect(request.body).toMatchObject({ steps: 40, width: 768, height: 512, seed: 42, negative_prompt: 'blurry', cfg_scale: 5.5 });
    expect(request.body.denoising_strength).toBeUndefined();
    expect(request.warnings).toEqual([
      expect.objectContaining({
        type: 'adapted',
        setting: 'size',
        message: expect.stringContaining("'770x515' was sent as 768x512") as string,
      }),
      expect.objectContaining({ type: 'unsupported', setting: 'strength' }),
    ]);
    expect(buildAutomatic1111Request(call({ request: { extra: { steps: 60 }, quality: 'low' } }), NO_INPUTS, 1).body.steps).toBe(60);
  });

  it('edit: img2img with the image as raw base64, the input size for auto, and the route denoising strength', () => {
    const request = buildAutomatic1111Request(call({ request: { images: [image] } }), { image: prepared, mask: undefined }, 1);
    expect(request.url).toBe(`${BASE}/sdapi/v1/img2img`);
    expect(request.body).toMatchObject({
      init_images: [prepared.bytes.toString('base64')],
      denoising_strength: 0.75,
      width: 600,
      height: 400,
    });
    expect(request.body.mask).toBeUndefined();
    expect(request.body.inpainting_fill).toBeUndefined();
    const stronger = buildAutomatic1111Request(
      call({ request: { images: [image], extra: { strength: 0.3 } } }),
      { image: prepared, mask: undefined },
      1,
    );
    expect(stronger.body.denoising_strength).toBe(0.3);
    expect(stronger.warnings).toEqual([]);
  });

  it('mask: img2img with the converted mask (white = repaint) and inpainting from the original pixels', () => {
    const mask = Buffer.from('white-is-repaint mask png');
    const request = buildAutomatic1111Request(call({ request: { images: [image], mask: image } }), { image: prepared, mask }, 1);
    expect(request.url).toBe(`${BASE}/sdapi/v1/img2img`);
    expect(request.body).toMatchObject({
      init_images: [prepared.bytes.toString('base64')],
      mask: mask.toString('base64'),
      inpainting_fill: 1,
      denoising_strength: 0.75,
    });
    expect(request.body.mask?.startsWith('data:')).toBe(false);
  });

  it('refuses two images, a mask without an image and bad extras with a 400 naming the parameter', () => {
    expect(thrownApiError(() => buildAutomatic1111Request(call({ request: { images: [image, image] } }), NO_INPUTS, 1)).param).toBe(
      'image[]',
    );
    expect(thrownApiError(() => buildAutomatic1111Request(call(), { image: undefined, mask: Buffer.from('m') }, 1)).param).toBe('image[]');
    expect(thrownApiError(() => buildAutomatic1111Request(call({ request: { extra: { seed: 2 ** 33 } } }), NO_INPUTS, 1)).param).toBe(
      'seed',
    );
    expect(thrownApiError(() => buildAutomatic1111Request(call({ request: { extra: { steps: 0 } } }), NO_INPUTS, 1)).param).toBe('steps');
    expect(thrownApiError(() => buildAutomatic1111Request(call({ request: { extra: { guidance_scale: 99 } } }), NO_INPUTS, 1)).param).toBe(
      'guidance_scale',
    );
    expect(thrownApiError(() => buildAutomatic1111Request(call({ request: { extra: { negative_prompt: 7 } } }), NO_INPUTS, 1)).param).toBe(
      'negative_prompt',
    );
  });

  it('refuses bad route options at boot', () => {
    expect(routeOptionProblems(automatic1111Provider, { sampler: 'Euler' })).toEqual([expect.stringContaining('sampler')]);
    expect(routeOptionProblems(automatic1111Provider, { default_size: { width: 500, height: 512 }, size_multiple: 64 })).toEqual([
      expect.stringContaining('default_size'),
    ]);
    expect(routeOptionProblems(automatic1111Provider, {})).toEqual([]);
  });
});
