import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../../src/errors/api-error.js';
import type { ImageRequest, InputImage } from '../../../../src/domain/image-request.js';
import { replicateProvider } from '../../../../src/providers/replicate/replicate-provider.js';
import { buildReplicateRequest, type PreparedInputs, type ReplicateCall } from '../../../../src/providers/replicate/replicate-request.js';
import { resolveReplicateRoute } from '../../../../src/providers/replicate/replicate-route-options.js';
import { catalogRouteOptions, routeOptionProblems } from '../../../helpers/catalog-route-options.js';
import { thrownBy } from '../../../helpers/caught-error.js';
import { catalogCall, parsedCall, type ProviderCallOverrides } from '../../../helpers/provider-call.js';

const NOW = 1_750_000_000_000;
const KEY = 'r8_unit_test_token_0123456789';
const SDXL = 'stability-ai/sdxl:7762fd07cf82c948538e41f63f77d685e02b063e37e496e96eefd46c929f9bdc';
const PNG_BYTES = Buffer.from('89504e470d0a1a0a', 'hex');
const input = (width: number, height: number): InputImage => ({ bytes: PNG_BYTES, format: 'png', width, height, hasAlpha: true });

/** A call to a model the catalog routes to Replicate, with the profile its route states. */
function call(
  upstreamModel: string,
  request: Partial<ImageRequest> = {},
  overrides: Omit<ProviderCallOverrides, 'request'> = {},
): ReplicateCall {
  return catalogCall(replicateProvider, upstreamModel, {
    request: { model: 'acme/model', prompt: 'a red fox in snow', outputFormat: 'webp', ...request },
    deadline: NOW + 300_000,
    endpoint: { instance: 'replicate', baseUrl: 'https://api.replicate.com/v1', apiKey: KEY },
    ...overrides,
  });
}

function build(target: ReplicateCall, prepared: PreparedInputs = {}) {
  return buildReplicateRequest(target, resolveReplicateRoute(target.options, target.endpoint.settings), prepared, NOW);
}

describe('buildReplicateRequest: text to image', () => {
  it('sends an official model to /models/{owner}/{name}/predictions with a bounded sync wait', () => {
    const request = build(call('black-forest-labs/flux-schnell', { size: { width: 1344, height: 768 }, n: 2 }));
    expect(request).toEqual({
      url: 'https://api.replicate.com/v1/models/black-forest-labs/flux-schnell/predictions',
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', prefer: 'wait=60', 'cancel-after': '300s' },
      body: { input: { prompt: 'a red fox in snow', aspect_ratio: '16:9', megapixels: '1', num_outputs: 2, output_format: 'webp' } },
      warnings: [],
    });
  });

  it('sends a versioned model to /predictions with the version id', () => {
    const request = build(call(SDXL, { size: { width: 1024, height: 768 }, outputFormat: 'png' }));
    expect(request.url).toBe('https://api.replicate.com/v1/predictions');
    expect(request.body).toEqual({
      version: '7762fd07cf82c948538e41f63f77d685e02b063e37e496e96eefd46c929f9bdc',
      input: { prompt: 'a red fox in snow', width: 1024, height: 768, num_outputs: 1 },
    });
  });

  it('shortens the sync wait to the deadline, and drops it under a second', () => {
    expect(build(call('black-forest-labs/flux-schnell', {}, { deadline: NOW + 12_500 })).headers).toMatchObject({
      prefer: 'wait=12',
      'cancel-after': '13s',
    });
    const late = build(call('black-forest-labs/flux-schnell', {}, { deadline: NOW + 900 })).headers;
    expect(late['prefer']).toBeUndefined();
    // Cancel-After has a 5 s minimum.
    expect(late['cancel-after']).toBe('5s');
  });

  it('polls from the start when the route sets wait_seconds: 0', () => {
    expect(build(call('black-forest-labs/flux-schnell', {}, { options: { wait_seconds: 0 } })).headers['prefer']).toBeUndefined();
    expect(build(call('black-forest-labs/flux-schnell', {}, { options: { wait_seconds: 5 } })).headers['prefer']).toBe('wait=5');
  });

  it('caps num_outputs at the model maximum (the gateway fans out the rest)', () => {
    expect(build(call('black-forest-labs/flux-schnell', { n: 7 })).body.input['num_outputs']).toBe(4);
    // One image per prediction: no count input at all.
    expect(build(call('luma/photon', { n: 3 })).body.input).toEqual({ prompt: 'a red fox in snow' });
  });

  it('asks for jpg when the client wants jpeg, and nothing on models with a fixed format', () => {
    expect(build(call('black-forest-labs/flux-dev', { outputFormat: 'jpeg' })).body.input['output_format']).toBe('jpg');
    expect(build(call('stability-ai/stable-diffusion-3.5-large', { outputFormat: 'png' })).body.input['output_format']).toBe('png');
    expect(build(call(SDXL, { outputFormat: 'webp' })).body.input).not.toHaveProperty('output_format');
  });

  it('refuses a request without a prompt', () => {
    const error = thrownBy(() => build(call('black-forest-labs/flux-schnell', { prompt: undefined })));
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ kind: 'invalid_request', param: 'prompt' });
  });
});

describe('buildReplicateRequest: size translation', () => {
  it('sends nothing for size auto (the model default applies)', () => {
    const request = build(call('black-forest-labs/flux-schnell'));
    expect(request.body.input).not.toHaveProperty('aspect_ratio');
    expect(request.warnings).toEqual([]);
  });

  it('picks the nearest FLUX aspect ratio and says what will be rendered', () => {
    const request = build(call('black-forest-labs/flux-schnell', { size: { width: 1920, height: 1080 } }));
    expect(request.body.input).toMatchObject({ aspect_ratio: '16:9', megapixels: '1' });
    expect(request.warnings).toEqual([
      {
        type: 'adapted',
        setting: 'size',
        provider: 'replicate',
        message: "'size' 1920x1080 was sent as aspect_ratio 16:9 at 1 MP: the model renders 1344x768.",
      },
    ]);
  });

  it('uses FLUX megapixels 0.25 for small sizes, exact at half the 1 MP edges', () => {
    const exact = build(call('black-forest-labs/flux-schnell', { size: { width: 512, height: 512 } }));
    expect(exact.body.input).toMatchObject({ aspect_ratio: '1:1', megapixels: '0.25' });
    expect(exact.warnings).toEqual([]);
    expect(build(call('black-forest-labs/flux-schnell', { size: { width: 1024, height: 1024 } })).warnings).toEqual([]);
  });

  it('warns on aspect-ratio models whose pixel size is not known', () => {
    const request = build(call('luma/photon', { size: { width: 1024, height: 1024 } }));
    expect(request.body.input).toEqual({ prompt: 'a red fox in snow', aspect_ratio: '1:1' });
    expect(request.warnings[0]).toMatchObject({
      type: 'adapted',
      setting: 'size',
      message: "'size' 1024x1024 was sent as aspect_ratio 1:1; the model picks the pixel size.",
    });
  });

  it('rounds SDXL width and height to multiples of 8 and says so', () => {
    const request = build(call(SDXL, { size: { width: 1001, height: 777 } }));
    expect(request.body.input).toMatchObject({ width: 1000, height: 776 });
    expect(request.warnings).toEqual([
      {
        type: 'adapted',
        setting: 'size',
        provider: 'replicate',
        message: "'size' 1001x777 was rounded to 1000x776 (multiples of 8, 512 to 2048).",
      },
    ]);
    expect(build(call(SDXL, { size: { width: 832, height: 1216 } })).warnings).toEqual([]);
  });
});

describe('buildReplicateRequest: editing', () => {
  const prepared: PreparedInputs = { image: { bytes: Buffer.from('image-bytes'), format: 'jpeg' }, mask: Buffer.from('mask-bytes') };

  it('sends FLUX dev image to image as a data URI, without the size it would ignore', () => {
    const request = build(
      call('black-forest-labs/flux-dev', {
        images: [input(800, 600)],
        size: { width: 1024, height: 1024 },
        extra: { prompt_strength: '0.6' },
      }),
      prepared,
    );
    expect(request.body.input).toEqual({
      prompt: 'a red fox in snow',
      image: `data:image/jpeg;base64,${Buffer.from('image-bytes').toString('base64')}`,
      num_outputs: 1,
      output_format: 'webp',
      prompt_strength: 0.6,
    });
    expect(request.warnings).toEqual([
      {
        type: 'adapted',
        setting: 'size',
        provider: 'replicate',
        message: "With an input image this Replicate model keeps the image's proportions; 'size' 1024x1024 was not sent.",
      },
    ]);
  });

  it('sends the SDXL inpainting image and mask (white = repaint)', () => {
    const request = build(call(SDXL, { images: [input(64, 64)], mask: input(64, 64), outputFormat: 'png' }), prepared);
    expect(request.body.input).toEqual({
      prompt: 'a red fox in snow',
      image: `data:image/jpeg;base64,${Buffer.from('image-bytes').toString('base64')}`,
      mask: `data:image/png;base64,${Buffer.from('mask-bytes').toString('base64')}`,
      num_outputs: 1,
    });
  });

  it('sends Photon its reference image and keeps the aspect ratio', () => {
    const request = build(call('luma/photon', { images: [input(64, 64)], size: { width: 1344, height: 768 } }), prepared);
    expect(request.body.input).toMatchObject({ image_reference: expect.stringMatching(/^data:image\/jpeg;base64,/), aspect_ratio: '16:9' });
  });

  it('refuses several images, images on text-only models, and masks where there is no mask input', () => {
    const many = thrownBy(() => build(call('black-forest-labs/flux-dev', { images: [input(8, 8), input(8, 8)] }), prepared));
    expect(many).toMatchObject({ kind: 'invalid_request', param: 'image[]' });
    expect(thrownBy(() => build(call('black-forest-labs/flux-schnell', { images: [input(8, 8)] }), prepared))).toMatchObject({
      param: 'image[]',
    });
    expect(
      thrownBy(() => build(call('stability-ai/stable-diffusion-3.5-large', { images: [input(8, 8)], mask: input(8, 8) }), prepared)),
    ).toMatchObject({ param: 'mask' });
  });
});

describe('buildReplicateRequest: quality and parameters', () => {
  it('maps quality to denoising steps within each model range', () => {
    expect(build(call('black-forest-labs/flux-schnell', { quality: 'low' })).body.input['num_inference_steps']).toBe(2);
    expect(build(call('black-forest-labs/flux-schnell', { quality: 'high' })).body.input['num_inference_steps']).toBe(4);
    expect(build(call('black-forest-labs/flux-dev', { quality: 'medium' })).body.input['num_inference_steps']).toBe(28);
    expect(build(call(SDXL, { quality: 'low' })).body.input['num_inference_steps']).toBe(20);
  });

  it('warns when a model has no quality knob', () => {
    const request = build(call('stability-ai/stable-diffusion-3.5-large', { quality: 'high' }));
    expect(request.body.input).not.toHaveProperty('steps');
    expect(request.warnings).toEqual([
      {
        type: 'unsupported',
        setting: 'quality',
        provider: 'replicate',
        message: "This Replicate model has no quality setting; 'quality: high' was not sent.",
      },
    ]);
  });

  it('passes schema inputs typed (multipart sends text), renames OpenAI names, and warns about the rest', () => {
    const request = build(
      call('black-forest-labs/flux-schnell', {
        extra: { seed: '42', output_compression: 70, go_fast: 'false', negative_prompt: 'blurry' },
      }),
    );
    expect(request.body.input).toMatchObject({ seed: 42, output_quality: 70, go_fast: false });
    expect(request.body.input).not.toHaveProperty('negative_prompt');
    expect(request.warnings).toEqual([
      {
        type: 'unsupported',
        setting: 'negative_prompt',
        provider: 'replicate',
        message: "'negative_prompt' is not an input of this Replicate model and was not sent.",
      },
    ]);
    expect(build(call(SDXL, { extra: { negative_prompt: 'blurry', scheduler: 'K_EULER' } })).body.input).toMatchObject({
      negative_prompt: 'blurry',
      scheduler: 'K_EULER',
    });
  });

  it('refuses values outside the model schema with a 400 naming the parameter', () => {
    expect(thrownBy(() => build(call('black-forest-labs/flux-schnell', { extra: { seed: 'abc' } })))).toMatchObject({
      kind: 'invalid_request',
      param: 'seed',
    });
    expect(thrownBy(() => build(call('black-forest-labs/flux-schnell', { extra: { output_compression: 101 } })))).toMatchObject({
      param: 'output_compression',
    });
    expect(thrownBy(() => build(call(SDXL, { extra: { scheduler: 'EULER' } })))).toMatchObject({ param: 'scheduler' });
    expect(thrownBy(() => build(call('black-forest-labs/flux-schnell', { extra: { go_fast: 'yes' } })))).toMatchObject({
      param: 'go_fast',
    });
  });
});

describe('route options', () => {
  const schnell = () => catalogRouteOptions(replicateProvider, 'black-forest-labs/flux-schnell');
  const outside = (upstreamModel: string, options: Record<string, unknown>, request: Partial<ImageRequest> = {}) =>
    parsedCall(replicateProvider, {
      request: { model: 'acme/model', prompt: 'a red fox in snow', ...request },
      upstreamModel,
      deadline: NOW + 300_000,
      options,
      endpoint: { instance: 'replicate', baseUrl: 'https://api.replicate.com/v1', apiKey: KEY },
    });

  it('serves a model outside the catalog from the profile its route states', () => {
    const request = build(outside('someone/flux-schnell-clone', schnell(), { n: 3 }));
    expect(request.url).toBe('https://api.replicate.com/v1/models/someone/flux-schnell-clone/predictions');
    expect(request.body.input['num_outputs']).toBe(3);
  });

  it('reads the poll interval from the route, then the instance settings, then the default', () => {
    const photon = (pollInterval?: number) =>
      call('luma/photon', {}, { options: pollInterval === undefined ? {} : { poll_interval_ms: pollInterval } }).options;
    expect(resolveReplicateRoute(photon(25), { poll_interval_ms: 50 }).pollIntervalMs).toBe(25);
    expect(resolveReplicateRoute(photon(), { poll_interval_ms: 50 }).pollIntervalMs).toBe(50);
    expect(resolveReplicateRoute(photon(), {}).pollIntervalMs).toBe(1000);
  });

  it('refuses a route without a profile, and unknown or out-of-range options, at boot', () => {
    expect(routeOptionProblems(replicateProvider, {})).toEqual(['options.sizing: required (object)']);
    const photon = catalogRouteOptions(replicateProvider, 'luma/photon');
    expect(routeOptionProblems(replicateProvider, { ...photon, profile: 'dalle' })).toEqual(['options.profile: unknown field']);
    expect(routeOptionProblems(replicateProvider, { ...photon, pol_interval_ms: 10 })).toEqual(['options.pol_interval_ms: unknown field']);
    expect(routeOptionProblems(replicateProvider, { ...photon, wait_seconds: 61 }).join()).toContain('options.wait_seconds');
    expect(thrownBy(() => build(outside('flux-schnell', schnell())))).toMatchObject({ kind: 'internal' });
  });
});
