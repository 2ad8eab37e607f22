import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../../src/errors/api-error.js';
import type { ImageRequest, InputImage } from '../../../../src/domain/image-request.js';
import { recraftProvider } from '../../../../src/providers/recraft/recraft-provider.js';
import { buildRecraftRequest, type RecraftCall, type RecraftRequest } from '../../../../src/providers/recraft/recraft-request.js';
import { thrownBy } from '../../../helpers/caught-error.js';
import { routeOptionProblems } from '../../../helpers/catalog-route-options.js';
import { catalogCall } from '../../../helpers/provider-call.js';

const BASE_URL = 'https://external.api.recraft.ai/v1';
const KEY = 'recraft_unit_token_0123456789';
const PROMPT = 'a red fox in a snowy forest, flat illustration';

/** A call with the options of the model's route in recraft.yaml. */
function callFor(
  upstreamModel: 'recraftv3' | 'recraftv4_1' | 'recraftv3_vector',
  request: Partial<ImageRequest> = {},
  n = request.n ?? 1,
): RecraftCall {
  return catalogCall(recraftProvider, upstreamModel, {
    request: { model: `recraft/${upstreamModel}`, prompt: PROMPT, ...request },
    n,
    endpoint: { instance: 'recraft', baseUrl: BASE_URL, apiKey: KEY },
  });
}

const input = (width = 1024, height = 1024): InputImage => ({ bytes: Buffer.from('image'), format: 'png', width, height, hasAlpha: false });
const prepared = (label: string) => ({ bytes: Buffer.from(label), format: 'jpeg' as const });

/** The fields as name → value, files as `file:<name>:<content type>:<bytes>`. */
function fieldsOf(built: RecraftRequest): Array<[string, string]> {
  if (!('fields' in built)) throw new Error('not multipart');
  return built.fields.map((field) =>
    'file' in field
      ? [field.name, `file:${field.file.filename}:${field.file.contentType}:${field.file.bytes.toString()}`]
      : [field.name, field.value],
  );
}

const paramOf = (run: () => unknown) => {
  const error = thrownBy(run);
  expect(error).toBeInstanceOf(ApiError);
  return (error as ApiError).param;
};

describe('buildRecraftRequest: text to image', () => {
  it('builds the exact V3 generations request: JSON, Bearer token, styles, seed as random_seed, base64 results', () => {
    const built = buildRecraftRequest(
      callFor(
        'recraftv3',
        {
          size: { width: 1536, height: 1024 },
          n: 3,
          extra: { seed: '284771', style: 'vector_illustration', substyle: 'roundish_flat', negative_prompt: 'text' },
        },
        3,
      ),
    );
    expect(built.url).toBe('https://external.api.recraft.ai/v1/images/generations');
    expect(built.method).toBe('POST');
    expect(built.headers).toEqual({ authorization: `Bearer ${KEY}`, 'content-type': 'application/json' });
    expect('json' in built && built.json).toEqual({
      prompt: PROMPT,
      model: 'recraftv3',
      n: 3,
      random_seed: 284771,
      style: 'vector_illustration',
      substyle: 'roundish_flat',
      negative_prompt: 'text',
      response_format: 'b64_json',
      size: '1536x1024',
    });
    expect(built.n).toBe(3);
    expect(built.warnings).toEqual([]);
  });

  it('sends a size off the table as the nearest one of the family, reported as adapted; no size for auto', () => {
    const built = buildRecraftRequest(callFor('recraftv4_1', { size: { width: 1920, height: 1080 } }));
    expect('json' in built && built.json['size']).toBe('1344x768');
    expect(built.warnings).toEqual([expect.objectContaining({ type: 'adapted', setting: 'size' })]);
    const auto = buildRecraftRequest(callFor('recraftv4_1'));
    expect('json' in auto && Object.keys(auto.json)).toEqual(['prompt', 'model', 'n', 'response_format']);
  });

  it('drops V2/V3-only styles on V4.1 and reports them, and reports quality as ignored', () => {
    const built = buildRecraftRequest(callFor('recraftv4_1', { quality: 'high', extra: { style: 'any', negative_prompt: 'blur' } }));
    expect('json' in built && built.json).toEqual({ prompt: PROMPT, model: 'recraftv4_1', n: 1, response_format: 'b64_json' });
    expect(built.warnings.map((warning) => [warning.type, warning.setting])).toEqual([
      ['unsupported', 'style'],
      ['unsupported', 'negative_prompt'],
      ['unsupported', 'quality'],
    ]);
  });

  it('caps n at six and refuses what Recraft would refuse with a 400 naming the parameter', () => {
    expect(buildRecraftRequest(callFor('recraftv3', {}, 9)).n).toBe(6);
    expect(paramOf(() => buildRecraftRequest(callFor('recraftv3', { extra: { seed: -1 } })))).toBe('seed');
    expect(paramOf(() => buildRecraftRequest(callFor('recraftv3', { prompt: undefined })))).toBe('prompt');
    expect(paramOf(() => buildRecraftRequest(callFor('recraftv3', { prompt: 'x'.repeat(1001) })))).toBe('prompt');
    expect(buildRecraftRequest(callFor('recraftv4_1', { prompt: 'x'.repeat(5000) })).n).toBe(1);
  });

  it('sends a vector model with an SVG request, and refuses a raster format there (and SVG on a raster model)', () => {
    const built = buildRecraftRequest(callFor('recraftv3_vector', { outputFormat: 'svg', extra: { style: 'vector_illustration' } }));
    expect('json' in built && built.json).toMatchObject({
      model: 'recraftv3_vector',
      style: 'vector_illustration',
      response_format: 'b64_json',
    });
    expect(paramOf(() => buildRecraftRequest(callFor('recraftv3_vector', { outputFormat: 'png' })))).toBe('output_format');
    expect(paramOf(() => buildRecraftRequest(callFor('recraftv3', { outputFormat: 'svg' })))).toBe('output_format');
  });

  it('refuses route options Recraft does not have at boot', () => {
    expect(routeOptionProblems(recraftProvider, { sizes: ['1024x1024'], max_images_per_call: 7 })).toHaveLength(1);
    expect(routeOptionProblems(recraftProvider, { sizes: ['1024'] })).toHaveLength(1);
    expect(routeOptionProblems(recraftProvider, { sizes: ['1024x1024'], aspect_ratio: '1:1' })).toHaveLength(1);
  });
});

describe('buildRecraftRequest: edits', () => {
  it('sends one image without a mask to imageToImage as multipart with strength (the route default or the client one)', () => {
    const built = buildRecraftRequest(callFor('recraftv3', { images: [input()], extra: { strength: '0.3', seed: 7 } }), {
      images: [prepared('image-bytes')],
      mask: undefined,
    });
    expect(built.url).toBe('https://external.api.recraft.ai/v1/images/imageToImage');
    expect(built.headers).toEqual({ authorization: `Bearer ${KEY}` });
    expect(fieldsOf(built)).toEqual([
      ['image', 'file:image.jpg:image/jpeg:image-bytes'],
      ['prompt', PROMPT],
      ['model', 'recraftv3'],
      ['n', '1'],
      ['random_seed', '7'],
      ['strength', '0.3'],
      ['response_format', 'b64_json'],
    ]);
    const byDefault = buildRecraftRequest(callFor('recraftv3', { images: [input()] }), { images: [prepared('i')], mask: undefined });
    expect(fieldsOf(byDefault)).toContainEqual(['strength', '0.5']);
    expect(paramOf(() => buildRecraftRequest(callFor('recraftv3', { images: [input()], extra: { strength: 2 } }), byDefaultInputs()))).toBe(
      'strength',
    );
  });

  it('refuses an edit on V4.1, which has no image-to-image route, naming image[]', () => {
    expect(paramOf(() => buildRecraftRequest(callFor('recraftv4_1', { images: [input()] }), byDefaultInputs()))).toBe('image[]');
  });

  it('refuses more than one image, and uploads over 10 MB, naming the parameter', () => {
    const two = () =>
      buildRecraftRequest(callFor('recraftv3', { images: [input(), input()] }), {
        images: [prepared('a'), prepared('b')],
        mask: undefined,
      });
    expect(paramOf(two)).toBe('image[]');
    const big = { bytes: Buffer.alloc(10 * 1024 * 1024 + 1), format: 'png' as const };
    expect(paramOf(() => buildRecraftRequest(callFor('recraftv3', { images: [input()] }), { images: [big], mask: undefined }))).toBe(
      'image[]',
    );
  });
});

describe('buildRecraftRequest: mask', () => {
  it('inpaints on V3: image and mask files, no strength, the size reported as ignored', () => {
    const built = buildRecraftRequest(callFor('recraftv3', { images: [input()], mask: input(), size: { width: 1024, height: 1024 } }), {
      images: [prepared('image-bytes')],
      mask: Buffer.from('mask-bytes'),
    });
    expect(built.url).toBe('https://external.api.recraft.ai/v1/images/inpaint');
    expect(fieldsOf(built)).toEqual([
      ['image', 'file:image.jpg:image/jpeg:image-bytes'],
      ['mask', 'file:mask.png:image/png:mask-bytes'],
      ['prompt', PROMPT],
      ['model', 'recraftv3'],
      ['n', '1'],
      ['response_format', 'b64_json'],
    ]);
    expect(built.warnings.map((warning) => warning.setting)).toEqual(['size']);
  });

  it('refuses a mask on a model that cannot inpaint, naming mask', () => {
    const call = { ...callFor('recraftv3', { images: [input()], mask: input() }) };
    const noInpaint = { ...call, options: { ...call.options, inpaint: false } };
    expect(paramOf(() => buildRecraftRequest(noInpaint, { images: [prepared('i')], mask: Buffer.from('m') }))).toBe('mask');
  });
});

function byDefaultInputs() {
  return { images: [prepared('i')], mask: undefined };
}
