import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../../src/errors/api-error.js';
import type { ImageRequest } from '../../../../src/domain/image-request.js';
import { bflProvider } from '../../../../src/providers/bfl/bfl-provider.js';
import { buildBflRequest, type BflPreparedImage, type BflPreparedInputs } from '../../../../src/providers/bfl/bfl-request.js';
import { bflRouteOptionsSchema, type BflRouteOptions, type BflSettings } from '../../../../src/providers/bfl/bfl-route-options.js';
import type { ProviderCall } from '../../../../src/providers/provider.js';
import { catalogRouteOptions } from '../../../helpers/catalog-route-options.js';
import { thrownBy } from '../../../helpers/caught-error.js';
import { catalogCall, parsedCall } from '../../../helpers/provider-call.js';

const BASE_URL = 'https://api.bfl.ai/v1';
const KEY = 'bfl_unit_key_0123456789';
/** 4 MP as BFL counts it for FLUX.2 (bfl.yaml). */
const FLUX2_MAX_PIXELS = 2048 * 2048;

/** A call to a catalog endpoint, with the options its route in bfl.yaml gives it. */
function callFor(
  upstreamModel: string,
  request: Partial<ImageRequest> = {},
  options: Record<string, unknown> = {},
): ProviderCall<BflRouteOptions, BflSettings> {
  return catalogCall(bflProvider, upstreamModel, {
    request: { model: 'black-forest-labs/test', prompt: 'a red fox in the snow', outputFormat: 'jpeg', ...request },
    options,
    endpoint: { instance: 'bfl', baseUrl: BASE_URL, apiKey: KEY },
  });
}

const image = (label: string, width = 640, height = 480, hasAlpha = false): BflPreparedImage => ({
  bytes: Buffer.from(label),
  width,
  height,
  hasAlpha,
});
const base64 = (label: string) => Buffer.from(label).toString('base64');
const NO_INPUTS: BflPreparedInputs = { images: [], mask: undefined };

describe('buildBflRequest: FLUX.2', () => {
  it('builds the exact text-to-image request, with multipart-style string values converted', () => {
    const built = buildBflRequest(
      callFor('flux-2-pro', {
        size: { width: 1440, height: 816 },
        extra: { seed: '240709', safety_tolerance: 2, prompt_upsampling: 'false', user: 'u-1' },
      }),
      NO_INPUTS,
    );
    expect(built).toEqual({
      url: 'https://api.bfl.ai/v1/flux-2-pro',
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-key': KEY },
      body: {
        prompt: 'a red fox in the snow',
        width: 1440,
        height: 816,
        seed: 240709,
        safety_tolerance: 2,
        disable_pup: true,
        output_format: 'jpeg',
      },
      warnings: [],
    });
  });

  it('rounds sizes to multiples of 16 and says so', () => {
    const built = buildBflRequest(callFor('flux-2-max', { size: { width: 1000, height: 600 } }), NO_INPUTS);
    expect(built.body).toMatchObject({ width: 1008, height: 608 });
    expect(built.warnings).toEqual([
      { type: 'adapted', setting: 'size', provider: 'bfl', message: expect.stringContaining("'1000x600' was sent as 1008x608") },
    ]);
  });

  it('scales sizes above 4 MP down, keeping the ratio and the multiple of 16', () => {
    const built = buildBflRequest(callFor('flux-2-pro', { size: { width: 3000, height: 2000 } }), NO_INPUTS);
    const { width, height } = built.body as { width: number; height: number };
    expect([width, height]).toEqual([2496, 1664]);
    expect(width * height).toBeLessThanOrEqual(FLUX2_MAX_PIXELS);
    expect(built.warnings[0]?.message).toContain('at most 4 MP');
    expect(buildBflRequest(callFor('flux-2-pro', { size: { width: 2048, height: 2048 } }), NO_INPUTS).warnings).toEqual([]);
  });

  it('sends several input images as input_image, input_image_2, …, and no size for auto', () => {
    const inputs = { images: [image('one'), image('two'), image('three')], mask: undefined };
    const built = buildBflRequest(callFor('flux-2-pro', { outputFormat: 'webp', prompt: 'combine them' }), inputs);
    expect(built.body).toEqual({
      prompt: 'combine them',
      input_image: base64('one'),
      input_image_2: base64('two'),
      input_image_3: base64('three'),
      output_format: 'png',
    });
  });

  it('keeps prompt upsampling as FLUX.2 pro defaults it (on) unless the client turns it off', () => {
    expect(buildBflRequest(callFor('flux-2-pro', { extra: { prompt_upsampling: true } }), NO_INPUTS).body).toMatchObject({
      disable_pup: false,
    });
    expect(buildBflRequest(callFor('flux-2-pro'), NO_INPUTS).body).not.toHaveProperty('disable_pup');
  });

  it('maps quality to steps on [flex] and passes prompt_upsampling as itself', () => {
    const high = buildBflRequest(callFor('flux-2-flex', { quality: 'high', extra: { prompt_upsampling: false } }), NO_INPUTS);
    expect(high.body).toMatchObject({ steps: 50, prompt_upsampling: false });
    expect(high.body).not.toHaveProperty('disable_pup');
    expect(buildBflRequest(callFor('flux-2-flex', { quality: 'low' }), NO_INPUTS).body).toMatchObject({ steps: 12 });
    expect(buildBflRequest(callFor('flux-2-flex'), NO_INPUTS).body).not.toHaveProperty('steps');
  });

  it('warns about a quality on endpoints without the knob', () => {
    const built = buildBflRequest(callFor('flux-2-pro', { quality: 'high' }), NO_INPUTS);
    expect(built.body).not.toHaveProperty('steps');
    expect(built.warnings).toEqual([expect.objectContaining({ type: 'unsupported', setting: 'quality', provider: 'bfl' })]);
  });

  it('drops prompt_upsampling on [klein] with a warning and caps its references at 4', () => {
    const built = buildBflRequest(callFor('flux-2-klein-4b', { extra: { prompt_upsampling: true, seed: 7 } }), NO_INPUTS);
    expect(built.body).toEqual({ prompt: 'a red fox in the snow', seed: 7, output_format: 'jpeg' });
    expect(built.warnings).toEqual([expect.objectContaining({ type: 'unsupported', setting: 'prompt_upsampling' })]);
    const five = { images: ['a', 'b', 'c', 'd', 'e'].map((label) => image(label)), mask: undefined };
    expect(thrownBy(() => buildBflRequest(callFor('flux-2-klein-9b'), five))).toMatchObject({ kind: 'invalid_request', param: 'image[]' });
  });

  it('refuses what BFL would refuse, naming the parameter', () => {
    expect(thrownBy(() => buildBflRequest(callFor('flux-2-pro', { prompt: undefined }), NO_INPUTS))).toMatchObject({
      kind: 'invalid_request',
      param: 'prompt',
    });
    expect(thrownBy(() => buildBflRequest(callFor('flux-2-pro', { extra: { safety_tolerance: 6 } }), NO_INPUTS))).toMatchObject({
      param: 'safety_tolerance',
    });
    expect(thrownBy(() => buildBflRequest(callFor('flux-2-pro', { extra: { seed: '4.5' } }), NO_INPUTS))).toMatchObject({ param: 'seed' });
    expect(thrownBy(() => buildBflRequest(callFor('flux-2-pro', { extra: { prompt_upsampling: 'yes' } }), NO_INPUTS))).toMatchObject({
      param: 'prompt_upsampling',
    });
    const mask = { images: [image('one')], mask: Buffer.from('mask') };
    expect(thrownBy(() => buildBflRequest(callFor('flux-2-pro'), mask))).toMatchObject({ param: 'mask' });
  });
});

describe('buildBflRequest: FLUX.1 endpoints', () => {
  it('FLUX1.1 [pro] rounds to multiples of 32 within 256–1440', () => {
    const rounded = buildBflRequest(callFor('flux-pro-1.1', { size: { width: 1000, height: 700 } }), NO_INPUTS);
    expect(rounded.body).toMatchObject({ width: 992, height: 704 });
    expect(rounded.warnings).toHaveLength(1);
    const clamped = buildBflRequest(callFor('flux-pro-1.1', { size: { width: 2048, height: 200 } }), NO_INPUTS);
    expect(clamped.body).toMatchObject({ width: 1440, height: 256 });
    expect(clamped.warnings[0]?.message).toContain('from 256 to 1440');
    expect(buildBflRequest(callFor('flux-pro-1.1', { size: { width: 1024, height: 768 } }), NO_INPUTS).warnings).toEqual([]);
  });

  it('FLUX1.1 [pro] takes no prompt at all and no input images', () => {
    expect(buildBflRequest(callFor('flux-pro-1.1', { prompt: undefined }), NO_INPUTS).body).toEqual({ output_format: 'jpeg' });
    expect(thrownBy(() => buildBflRequest(callFor('flux-pro-1.1'), { images: [image('x')], mask: undefined }))).toMatchObject({
      param: 'image[]',
    });
  });

  it('Ultra sends a gcd-reduced aspect ratio, raw and a FLUX.1 safety tolerance of 6', () => {
    const built = buildBflRequest(
      callFor('flux-pro-1.1-ultra', {
        size: { width: 1920, height: 1080 },
        outputFormat: 'png',
        extra: { raw: 'true', safety_tolerance: '6' },
      }),
      NO_INPUTS,
    );
    expect(built.body).toEqual({
      prompt: 'a red fox in the snow',
      aspect_ratio: '16:9',
      raw: true,
      safety_tolerance: 6,
      output_format: 'png',
    });
    expect(built.warnings).toEqual([
      { type: 'adapted', setting: 'size', provider: 'bfl', message: expect.stringContaining('aspect ratio 16:9') },
    ]);
  });

  it('clamps ratios wider than 21:9 or taller than 9:21', () => {
    const wide = buildBflRequest(callFor('flux-pro-1.1-ultra', { size: { width: 3000, height: 1000 } }), NO_INPUTS);
    expect(wide.body).toMatchObject({ aspect_ratio: '21:9' });
    expect(wide.warnings[0]?.message).toContain('outside the 21:9 to 9:21 range');
    expect(buildBflRequest(callFor('flux-kontext-pro', { size: { width: 100, height: 1000 } }), NO_INPUTS).body).toMatchObject({
      aspect_ratio: '9:21',
    });
    expect(buildBflRequest(callFor('flux-kontext-pro', { size: { width: 1000, height: 750 } }), NO_INPUTS).body).toMatchObject({
      aspect_ratio: '4:3',
    });
  });

  it('warns that raw exists only on Ultra', () => {
    const built = buildBflRequest(callFor('flux-kontext-max', { extra: { raw: true } }), NO_INPUTS);
    expect(built.body).not.toHaveProperty('raw');
    expect(built.warnings).toEqual([expect.objectContaining({ type: 'unsupported', setting: 'raw' })]);
  });

  it('Kontext edits follow the input image when the size is auto, with experimental extra references', () => {
    const built = buildBflRequest(
      callFor('flux-kontext-pro', { prompt: 'make the car red', outputFormat: 'png', extra: { prompt_upsampling: true } }),
      {
        images: [image('car'), image('style')],
        mask: undefined,
      },
    );
    expect(built).toMatchObject({
      url: 'https://api.bfl.ai/v1/flux-kontext-pro',
      body: {
        prompt: 'make the car red',
        input_image: base64('car'),
        input_image_2: base64('style'),
        prompt_upsampling: true,
        output_format: 'png',
      },
      warnings: [],
    });
    expect(built.body).not.toHaveProperty('aspect_ratio');
  });

  it('Fill sends image and mask (converted by the adapter), steps from quality, and warns about a size', () => {
    const built = buildBflRequest(
      callFor('flux-pro-1.0-fill', { prompt: 'a vase of tulips', quality: 'medium', size: { width: 1024, height: 1024 } }),
      {
        images: [image('photo', 640, 480)],
        mask: Buffer.from('white-mask'),
      },
    );
    expect(built.body).toEqual({
      prompt: 'a vase of tulips',
      image: base64('photo'),
      mask: base64('white-mask'),
      steps: 30,
      output_format: 'jpeg',
    });
    expect(built.warnings).toEqual([{ type: 'adapted', setting: 'size', provider: 'bfl', message: expect.stringContaining('(640x480)') }]);
  });

  it('Fill without a mask needs transparent pixels in the image', () => {
    const transparent = buildBflRequest(callFor('flux-pro-1.0-fill', { size: { width: 640, height: 480 } }), {
      images: [image('photo', 640, 480, true)],
      mask: undefined,
    });
    expect(transparent.body).toEqual({ prompt: 'a red fox in the snow', image: base64('photo'), output_format: 'jpeg' });
    expect(transparent.warnings).toEqual([]);
    expect(thrownBy(() => buildBflRequest(callFor('flux-pro-1.0-fill'), { images: [image('photo')], mask: undefined }))).toMatchObject({
      param: 'mask',
    });
    expect(thrownBy(() => buildBflRequest(callFor('flux-pro-1.0-fill'), NO_INPUTS))).toMatchObject({ param: 'image[]' });
  });
});

describe('buildBflRequest: endpoints', () => {
  it('refuses a route without its endpoint facts, naming each missing option', () => {
    const parsed = bflRouteOptionsSchema.safeParse({ poll_interval_ms: 5 });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path.join('.'))).toEqual(
      expect.arrayContaining(['title', 'size', 'prompt_required', 'safety_tolerance_max', 'prompt_upsampling']),
    );
    expect(bflRouteOptionsSchema.safeParse({ ...catalogRouteOptions(bflProvider, 'flux-2-pro'), image_field: undefined }).success).toBe(
      false,
    );
    expect(bflRouteOptionsSchema.safeParse({ ...catalogRouteOptions(bflProvider, 'flux-2-pro'), family: 'flux2' }).success).toBe(false);
  });

  it('serves a new endpoint name from the facts in its route options', () => {
    const call = parsedCall(bflProvider, {
      request: { prompt: 'a red fox in the snow', size: { width: 1024, height: 1024 } },
      upstreamModel: 'flux-2-pro-2027',
      options: catalogRouteOptions(bflProvider, 'flux-2-pro'),
      endpoint: { instance: 'bfl', baseUrl: BASE_URL, apiKey: KEY },
    });
    const built = buildBflRequest(call, NO_INPUTS);
    expect(built.url).toBe('https://api.bfl.ai/v1/flux-2-pro-2027');
    expect(built.body).toMatchObject({ width: 1024, height: 1024 });
  });

  it('names the instance called (not the adapter) in its warnings', () => {
    const named = (upstreamModel: string, request: Partial<ImageRequest>): ProviderCall<BflRouteOptions, BflSettings> => {
      const call = callFor(upstreamModel, request);
      return { ...call, endpoint: { ...call.endpoint, instance: 'named-instance' } };
    };
    const built = buildBflRequest(
      named('flux-2-max', { size: { width: 1000, height: 600 }, quality: 'high', extra: { raw: true } }),
      NO_INPUTS,
    );
    expect(built.warnings.map((warning) => warning.setting).sort()).toEqual(['quality', 'raw', 'size']);
    for (const warning of built.warnings) expect(warning.provider).toBe('named-instance');
  });

  it('never throws a plain Error for bad client input', () => {
    expect(thrownBy(() => buildBflRequest(callFor('flux-kontext-pro', { extra: { safety_tolerance: -1 } }), NO_INPUTS))).toBeInstanceOf(
      ApiError,
    );
  });
});
