import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../../src/errors/api-error.js';
import type { ImageRequest, InputImage } from '../../../../src/domain/image-request.js';
import { ideogramProvider } from '../../../../src/providers/ideogram/ideogram-provider.js';
import {
  buildIdeogramRequest,
  type IdeogramCall,
  type IdeogramPreparedInputs,
} from '../../../../src/providers/ideogram/ideogram-request.js';
import { thrownBy } from '../../../helpers/caught-error.js';
import { routeOptionProblems } from '../../../helpers/catalog-route-options.js';
import { catalogCall } from '../../../helpers/provider-call.js';

const BASE_URL = 'https://api.ideogram.ai';
const KEY = 'ideogram_unit_key_0123456789';

/** A call to `ideogram-v3` with the options of its first route in ideogram.yaml (tier from quality). */
function callFor(request: Partial<ImageRequest> = {}, options: Record<string, unknown> = {}, n = request.n ?? 1): IdeogramCall {
  return catalogCall(ideogramProvider, 'ideogram-v3', {
    request: { model: 'ideogram/ideogram-v3', prompt: 'A vintage travel poster that says "VISIT MARS"', ...request },
    options,
    n,
    endpoint: { instance: 'ideogram', baseUrl: BASE_URL, apiKey: KEY },
  });
}

const input = (width = 640, height = 480): InputImage => ({ bytes: Buffer.from('image'), format: 'jpeg', width, height, hasAlpha: false });
const prepared = (label: string) => ({ bytes: Buffer.from(label), format: 'jpeg' as const });
const NO_INPUTS: IdeogramPreparedInputs = { images: [], mask: undefined };

/** The fields as name → value, files as `file:<name>:<content type>:<bytes>`. */
function fieldsOf(built: ReturnType<typeof buildIdeogramRequest>): Array<[string, string]> {
  return built.fields.map((field) =>
    'file' in field
      ? [field.name, `file:${field.file.filename}:${field.file.contentType}:${field.file.bytes.toString()}`]
      : [field.name, field.value],
  );
}

describe('buildIdeogramRequest: text to image', () => {
  it('builds the exact V3 generate request: multipart fields, Api-Key header, the size as an x-separated aspect ratio', () => {
    const built = buildIdeogramRequest(
      callFor({
        size: { width: 800, height: 1100 },
        n: 2,
        quality: 'low',
        extra: { seed: '42', magic_prompt: 'off', style_type: 'DESIGN' },
      }),
      NO_INPUTS,
    );
    expect(built.url).toBe('https://api.ideogram.ai/v1/ideogram-v3/generate');
    expect(built.method).toBe('POST');
    expect(built.headers).toEqual({ 'api-key': KEY });
    expect(fieldsOf(built)).toEqual([
      ['prompt', 'A vintage travel poster that says "VISIT MARS"'],
      ['rendering_speed', 'TURBO'],
      ['num_images', '2'],
      ['aspect_ratio', '3x4'],
      ['seed', '42'],
      ['magic_prompt', 'OFF'],
      ['style_type', 'DESIGN'],
    ]);
    expect(built.n).toBe(2);
    // 800x1100 is no ratio Ideogram has: the nearest one, reported as adapted.
    expect(built.warnings).toEqual([expect.objectContaining({ type: 'adapted', setting: 'size' })]);
  });

  it('maps quality to rendering_speed (auto and medium DEFAULT, high QUALITY) and sends no aspect ratio for size auto', () => {
    const speed = (quality: string) =>
      fieldsOf(buildIdeogramRequest(callFor({ quality }))).find(([name]) => name === 'rendering_speed')?.[1];
    expect([speed('auto'), speed('medium'), speed('high'), speed('low')]).toEqual(['DEFAULT', 'DEFAULT', 'QUALITY', 'TURBO']);
    expect(fieldsOf(buildIdeogramRequest(callFor())).map(([name]) => name)).toEqual(['prompt', 'rendering_speed', 'num_images']);
  });

  it('sends the route fixed tier and reports a requested quality as ignored', () => {
    const built = buildIdeogramRequest(callFor({ quality: 'high', size: { width: 1024, height: 1024 } }, { rendering_speed: 'TURBO' }));
    expect(fieldsOf(built)).toContainEqual(['rendering_speed', 'TURBO']);
    expect(fieldsOf(built)).toContainEqual(['aspect_ratio', '1x1']);
    expect(built.warnings).toEqual([expect.objectContaining({ type: 'unsupported', setting: 'quality' })]);
  });

  it('caps num_images at the route and refuses bad values with a 400 naming the parameter', () => {
    expect(buildIdeogramRequest(callFor({}, { max_images_per_call: 4 }, 6)).n).toBe(4);
    const seed = thrownBy(() => buildIdeogramRequest(callFor({ extra: { seed: 2_147_483_648 } })));
    expect(seed).toBeInstanceOf(ApiError);
    expect((seed as ApiError).param).toBe('seed');
    expect((thrownBy(() => buildIdeogramRequest(callFor({ extra: { style_type: 'ANIME' } }))) as ApiError).param).toBe('style_type');
    expect((thrownBy(() => buildIdeogramRequest(callFor({ prompt: undefined }))) as ApiError).param).toBe('prompt');
  });

  it('refuses route options Ideogram does not have at boot', () => {
    expect(routeOptionProblems(ideogramProvider, { rendering_speed: 'BALANCED' })).toHaveLength(1);
    expect(routeOptionProblems(ideogramProvider, { max_images_per_call: 9 })).toHaveLength(1);
    expect(routeOptionProblems(ideogramProvider, { sizes: ['1024x1024'] })).toHaveLength(1);
  });
});

describe('buildIdeogramRequest: edits', () => {
  it('remixes one image without a mask: image file, image_weight, the aspect ratio of the image', () => {
    const built = buildIdeogramRequest(callFor({ images: [input(1280, 720)], extra: { image_weight: 70, negative_prompt: 'blur' } }), {
      images: [prepared('remix-bytes')],
      mask: undefined,
    });
    expect(built.url).toBe('https://api.ideogram.ai/v1/ideogram-v3/remix');
    expect(fieldsOf(built)).toEqual([
      ['prompt', 'A vintage travel poster that says "VISIT MARS"'],
      ['rendering_speed', 'DEFAULT'],
      ['num_images', '1'],
      ['image', 'file:image.jpg:image/jpeg:remix-bytes'],
      ['image_weight', '70'],
      ['aspect_ratio', '16x9'],
      ['negative_prompt', 'blur'],
    ]);
    expect(built.warnings).toEqual([]);
  });

  it('inpaints with a mask: image and mask files, no aspect ratio, and what inpainting lacks reported', () => {
    const built = buildIdeogramRequest(
      callFor({ images: [input()], mask: input(), size: { width: 1024, height: 1024 }, extra: { negative_prompt: 'blur', seed: 7 } }),
      { images: [prepared('image-bytes')], mask: Buffer.from('mask-bytes') },
    );
    expect(built.url).toBe('https://api.ideogram.ai/v1/ideogram-v3/inpaint');
    expect(fieldsOf(built)).toEqual([
      ['prompt', 'A vintage travel poster that says "VISIT MARS"'],
      ['rendering_speed', 'DEFAULT'],
      ['num_images', '1'],
      ['image', 'file:image.jpg:image/jpeg:image-bytes'],
      ['mask', 'file:mask.png:image/png:mask-bytes'],
      ['seed', '7'],
    ]);
    expect(built.warnings.map((warning) => warning.setting)).toEqual(['size', 'negative_prompt']);
  });

  it('refuses more than one image, and uploads over 10 MB, naming the parameter', () => {
    const two = thrownBy(() =>
      buildIdeogramRequest(callFor({ images: [input(), input()] }), { images: [prepared('a'), prepared('b')], mask: undefined }),
    );
    expect((two as ApiError).param).toBe('image[]');
    const big = { bytes: Buffer.alloc(10 * 1024 * 1024 + 1), format: 'png' as const };
    const tooBig = thrownBy(() => buildIdeogramRequest(callFor({ images: [input()] }), { images: [big], mask: undefined }));
    expect((tooBig as ApiError).param).toBe('image[]');
    const bigMask = thrownBy(() =>
      buildIdeogramRequest(callFor({ images: [input()], mask: input() }), {
        images: [prepared('a')],
        mask: Buffer.alloc(10 * 1024 * 1024 + 1),
      }),
    );
    expect((bigMask as ApiError).param).toBe('mask');
  });
});
