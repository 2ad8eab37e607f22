import { describe, expect, it } from 'vitest';
import type { ImageRequest } from '../../../../src/domain/image-request.js';
import { stabilityProvider } from '../../../../src/providers/stability/stability-provider.js';
import {
  buildStabilityRequest,
  type StabilityCall,
  type StabilityPreparedInputs,
} from '../../../../src/providers/stability/stability-request.js';
import type { MultipartField } from '../../../../src/providers/common/multipart-form.js';
import { routeOptionProblems } from '../../../helpers/catalog-route-options.js';
import { thrownApiError } from '../../../helpers/caught-error.js';
import { catalogCall } from '../../../helpers/provider-call.js';

const BASE_URL = 'https://api.stability.ai';
const KEY = 'sk-stability-unit-0123456789';

/** A call to a catalog endpoint, with the options its route in stability.yaml gives it. */
function callFor(upstreamModel: string, request: Partial<ImageRequest> = {}): StabilityCall {
  return catalogCall(stabilityProvider, upstreamModel, {
    request: { model: 'stability/test', prompt: 'a cobalt travel mug on pale stone', ...request },
    endpoint: { instance: 'stability', baseUrl: BASE_URL, apiKey: KEY },
  });
}

/** Text fields as name → value; files as name → filename (content type). */
function summary(fields: MultipartField[]): Array<[string, string]> {
  return fields.map((field) =>
    'file' in field ? [field.name, `${field.file.filename} (${field.file.contentType})`] : [field.name, field.value],
  );
}

const png = (label: string, hasAlpha = false) => ({ bytes: Buffer.from(label), format: 'png' as const, hasAlpha });
const inputs = (images: ReturnType<typeof png>[], mask?: string): StabilityPreparedInputs => ({
  images,
  mask: mask === undefined ? undefined : Buffer.from(mask),
});

describe('buildStabilityRequest: text to image', () => {
  it('builds the exact multipart request for Core, a size sent as the nearest aspect ratio', () => {
    const built = buildStabilityRequest(
      callFor('core', {
        size: { width: 1024, height: 1280 },
        outputFormat: 'webp',
        extra: { negative_prompt: 'logo, watermark', seed: 18472931, style_preset: 'photographic' },
      }),
    );
    expect(built.url).toBe('https://api.stability.ai/v2beta/stable-image/generate/core');
    expect(built.method).toBe('POST');
    expect(built.headers).toEqual({ accept: 'application/json', authorization: `Bearer ${KEY}` });
    expect(summary(built.fields)).toEqual([
      ['prompt', 'a cobalt travel mug on pale stone'],
      ['aspect_ratio', '4:5'],
      ['negative_prompt', 'logo, watermark'],
      ['style_preset', 'photographic'],
      ['seed', '18472931'],
      ['output_format', 'webp'],
    ]);
    expect(built.warnings).toEqual([]);
  });

  it('says when a size is not one of the nine ratios, and sends no ratio for auto', () => {
    const adapted = buildStabilityRequest(callFor('ultra', { size: { width: 1000, height: 700 } }));
    expect(summary(adapted.fields)).toContainEqual(['aspect_ratio', '3:2']);
    expect(adapted.warnings).toEqual([expect.objectContaining({ type: 'adapted', setting: 'size', provider: 'stability' })]);
    const auto = buildStabilityRequest(callFor('ultra'));
    expect(auto.fields.map((field) => field.name)).not.toContain('aspect_ratio');
  });

  it('sends SD 3.5 models through the one sd3 endpoint with `model`, and PNG for a WebP request', () => {
    const built = buildStabilityRequest(
      callFor('sd3.5-large-turbo', { outputFormat: 'webp', extra: { cfg_scale: '1.5', negative_prompt: 'x' } }),
    );
    expect(built.url).toBe('https://api.stability.ai/v2beta/stable-image/generate/sd3');
    expect(summary(built.fields)).toEqual([
      ['prompt', 'a cobalt travel mug on pale stone'],
      ['model', 'sd3.5-large-turbo'],
      ['cfg_scale', '1.5'],
      ['output_format', 'png'],
    ]);
    expect(built.warnings).toEqual([expect.objectContaining({ type: 'unsupported', setting: 'negative_prompt' })]);
  });

  it('refuses what Stability would refuse, naming the parameter', () => {
    expect(thrownApiError(() => buildStabilityRequest(callFor('core', { prompt: undefined }))).param).toBe('prompt');
    expect(thrownApiError(() => buildStabilityRequest(callFor('core', { extra: { seed: 4294967295 } }))).param).toBe('seed');
    expect(thrownApiError(() => buildStabilityRequest(callFor('core', { extra: { style_preset: 'watercolor' } }))).param).toBe(
      'style_preset',
    );
    expect(thrownApiError(() => buildStabilityRequest(callFor('sd3.5-large', { extra: { cfg_scale: 11 } }))).param).toBe('cfg_scale');
    expect(thrownApiError(() => buildStabilityRequest(callFor('core'), inputs([png('photo')]))).param).toBe('image[]');
  });
});

describe('buildStabilityRequest: image to image', () => {
  it('sends Ultra an image with strength and no mode or aspect ratio', () => {
    const built = buildStabilityRequest(
      callFor('ultra', { size: { width: 1024, height: 1024 }, extra: { strength: 0.7 } }),
      inputs([png('photo')]),
    );
    expect(summary(built.fields)).toEqual([
      ['prompt', 'a cobalt travel mug on pale stone'],
      ['image', 'image.png (image/png)'],
      ['strength', '0.7'],
      ['output_format', 'png'],
    ]);
    expect(built.warnings).toEqual([expect.objectContaining({ type: 'unsupported', setting: 'size' })]);
  });

  it('sends SD 3.5 mode=image-to-image, and the default strength with a warning when none was given', () => {
    const built = buildStabilityRequest(callFor('sd3.5-medium'), inputs([png('fox')]));
    expect(summary(built.fields)).toEqual([
      ['prompt', 'a cobalt travel mug on pale stone'],
      ['model', 'sd3.5-medium'],
      ['mode', 'image-to-image'],
      ['image', 'image.png (image/png)'],
      ['strength', '0.5'],
      ['output_format', 'png'],
    ]);
    expect(built.warnings).toEqual([expect.objectContaining({ type: 'adapted', setting: 'strength' })]);
    expect(
      thrownApiError(() => buildStabilityRequest(callFor('sd3.5-medium', { extra: { strength: 2 } }), inputs([png('fox')]))).param,
    ).toBe('strength');
    expect(thrownApiError(() => buildStabilityRequest(callFor('sd3.5-medium'), inputs([png('a'), png('b')]))).param).toBe('image[]');
  });
});

describe('buildStabilityRequest: edits and masks', () => {
  it('sends inpaint the image and the converted mask as files', () => {
    const built = buildStabilityRequest(callFor('inpaint', { extra: { grow_mask: '6' } }), inputs([png('room')], 'mask'));
    expect(built.url).toBe('https://api.stability.ai/v2beta/stable-image/edit/inpaint');
    expect(summary(built.fields)).toEqual([
      ['prompt', 'a cobalt travel mug on pale stone'],
      ['image', 'image.png (image/png)'],
      ['mask', 'mask.png (image/png)'],
      ['grow_mask', '6'],
      ['output_format', 'png'],
    ]);
    const mask = built.fields.find((field) => field.name === 'mask');
    expect(mask && 'file' in mask ? mask.file.bytes.toString() : undefined).toBe('mask');
  });

  it("lets inpaint and erase use the image's transparency without a mask, and refuses an opaque image without one", () => {
    const erase = buildStabilityRequest(callFor('erase', { prompt: 'ignored' }), inputs([png('cutout', true)]));
    expect(summary(erase.fields)).toEqual([
      ['image', 'image.png (image/png)'],
      ['output_format', 'png'],
    ]);
    expect(erase.warnings).toEqual([expect.objectContaining({ type: 'unsupported', setting: 'prompt' })]);
    expect(thrownApiError(() => buildStabilityRequest(callFor('inpaint'), inputs([png('opaque')]))).param).toBe('mask');
    expect(
      thrownApiError(() => buildStabilityRequest(callFor('erase', { extra: { grow_mask: 50 } }), inputs([png('x', true)]))).param,
    ).toBe('grow_mask');
  });

  it('needs search_prompt for search-and-replace and refuses a mask there', () => {
    const built = buildStabilityRequest(callFor('search-and-replace', { extra: { search_prompt: 'the mug' } }), inputs([png('desk')]));
    expect(summary(built.fields)).toEqual([
      ['prompt', 'a cobalt travel mug on pale stone'],
      ['image', 'image.png (image/png)'],
      ['search_prompt', 'the mug'],
      ['output_format', 'png'],
    ]);
    expect(thrownApiError(() => buildStabilityRequest(callFor('search-and-replace'), inputs([png('desk')]))).param).toBe('search_prompt');
    const masked = () => buildStabilityRequest(callFor('search-and-replace', { extra: { search_prompt: 'x' } }), inputs([png('d')], 'm'));
    expect(thrownApiError(masked).param).toBe('mask');
  });

  it('never asks remove-background for JPEG, and needs an image', () => {
    const built = buildStabilityRequest(
      callFor('remove-background', { prompt: undefined, outputFormat: 'jpeg' }),
      inputs([png('portrait')]),
    );
    expect(summary(built.fields)).toEqual([
      ['image', 'image.png (image/png)'],
      ['output_format', 'png'],
    ]);
    expect(thrownApiError(() => buildStabilityRequest(callFor('remove-background', { prompt: undefined }))).param).toBe('image[]');
  });
});

describe('stability route options', () => {
  it('stop the boot on a misspelt field or an image-to-image route without a default strength', () => {
    expect(routeOptionProblems(stabilityProvider, { title: 'X', path: 'generate/core', aspect_ratios: true })).not.toEqual([]);
    expect(routeOptionProblems(stabilityProvider, { title: 'X', path: 'generate/ultra', image: 'strength' })).toEqual([
      expect.stringContaining('default_strength'),
    ]);
    expect(routeOptionProblems(stabilityProvider, { title: 'X', path: 'generate/core' })).toEqual([]);
  });
});
