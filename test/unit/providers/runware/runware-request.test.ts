import { describe, expect, it } from 'vitest';
import type { InputImage } from '../../../../src/domain/image-request.js';
import { runwareProvider } from '../../../../src/providers/runware/runware-provider.js';
import { buildRunwareRequest, type RunwareInputs } from '../../../../src/providers/runware/runware-request.js';
import { routeOptionProblems } from '../../../helpers/catalog-route-options.js';
import { thrownApiError } from '../../../helpers/caught-error.js';
import { catalogCall, type ProviderCallOverrides } from '../../../helpers/provider-call.js';

const SCHNELL = 'runware:100@1';
const DEV = 'runware:101@1';
const BASE = 'https://api.runware.ai/v1';
const TASK = 'a770f077-f413-47de-9dac-be0b26a35da6';
const call = (model: string, overrides: ProviderCallOverrides = {}) =>
  catalogCall(runwareProvider, model, {
    ...overrides,
    endpoint: { instance: 'runware', baseUrl: BASE, apiKey: 'rw-test-key', ...overrides.endpoint },
  });
const NO_INPUTS: RunwareInputs = { images: [], mask: undefined };
const clientImage: InputImage = { bytes: Buffer.from('png bytes'), format: 'png', width: 600, height: 400, hasAlpha: true };
const prepared = { bytes: Buffer.from('png bytes'), format: 'png' as const, width: 600, height: 400 };
const dataUri = (text: string, mime = 'image/png') => `data:${mime};base64,${Buffer.from(text).toString('base64')}`;

describe('buildRunwareRequest: the exact outgoing request', () => {
  it('text to image: one imageInference task in an array, Bearer auth, base64 output with its cost', () => {
    const request = buildRunwareRequest(call(SCHNELL, { request: { quality: 'medium' } }), NO_INPUTS, 2, TASK);
    expect(request).toEqual({
      url: BASE,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer rw-test-key' },
      body: [
        {
          taskType: 'imageInference',
          taskUUID: TASK,
          model: SCHNELL,
          positivePrompt: 'a lighthouse on a cliff',
          width: 1024,
          height: 1024,
          numberResults: 2,
          outputType: 'base64Data',
          outputFormat: 'PNG',
          includeCost: true,
          steps: 4,
        },
      ],
      warnings: [],
    });
  });

  it('sends jpeg as JPG, rounds sizes to multiples of 64 with a warning, and passes the typed extras', () => {
    const request = buildRunwareRequest(
      call(DEV, {
        request: {
          quality: 'high',
          outputFormat: 'jpeg',
          size: { width: 1000, height: 700 },
          extra: { seed: 7, guidance_scale: 3.5, negative_prompt: 'blur' },
        },
      }),
      NO_INPUTS,
      1,
      TASK,
    );
    const [task] = request.body;
    expect(task).toMatchObject({
      outputFormat: 'JPG',
      width: 1024,
      height: 704,
      steps: 45,
      seed: 7,
      CFGScale: 3.5,
      negativePrompt: 'blur',
    });
    expect(task.seedImage).toBeUndefined();
    expect(request.warnings).toEqual([
      expect.objectContaining({
        type: 'adapted',
        setting: 'size',
        provider: 'runware',
        message: expect.stringContaining('1024x704') as string,
      }),
    ]);
  });

  it("edit: the image as seedImage data URI with the route's strength, sized from the input for `auto`", () => {
    const request = buildRunwareRequest(
      call(DEV, { request: { images: [clientImage] } }),
      { images: [prepared], mask: undefined },
      1,
      TASK,
    );
    const [task] = request.body;
    expect(task).toMatchObject({ seedImage: dataUri('png bytes'), strength: 0.8, width: 576, height: 384 });
    expect(task.maskImage).toBeUndefined();
  });

  it("mask: maskImage as a PNG data URI next to seedImage, and the client's strength", () => {
    const request = buildRunwareRequest(
      call(DEV, { request: { images: [clientImage], mask: clientImage, extra: { strength: 0.55 } } }),
      { images: [prepared], mask: Buffer.from('white mask') },
      1,
      TASK,
    );
    const [task] = request.body;
    expect(task).toMatchObject({ seedImage: dataUri('png bytes'), maskImage: dataUri('white mask'), strength: 0.55 });
  });

  it('reference models send every input image in referenceImages', () => {
    const jpeg = { ...prepared, format: 'jpeg' as const, bytes: Buffer.from('jpeg bytes') };
    const request = buildRunwareRequest(
      call(DEV, { request: { images: [clientImage, clientImage] }, options: { image_input: 'reference', mask: false } }),
      { images: [prepared, jpeg], mask: undefined },
      1,
      TASK,
    );
    const [task] = request.body;
    expect(task.referenceImages).toEqual([dataUri('png bytes'), dataUri('jpeg bytes', 'image/jpeg')]);
    expect(task.seedImage).toBeUndefined();
    expect(task.strength).toBeUndefined();
  });

  it('refuses what Runware would refuse with a 400 naming the parameter', () => {
    expect(thrownApiError(() => buildRunwareRequest(call(SCHNELL, { request: { prompt: ' ' } }), NO_INPUTS, 1, TASK)).param).toBe('prompt');
    expect(
      thrownApiError(() =>
        buildRunwareRequest(call(SCHNELL, { request: { images: [clientImage] } }), { images: [prepared], mask: undefined }, 1, TASK),
      ).param,
    ).toBe('image[]');
    expect(
      thrownApiError(() =>
        buildRunwareRequest(
          call(DEV, { request: { images: [clientImage], mask: clientImage }, options: { mask: false } }),
          { images: [prepared], mask: undefined },
          1,
          TASK,
        ),
      ).param,
    ).toBe('mask');
    expect(thrownApiError(() => buildRunwareRequest(call(DEV, { request: { extra: { steps: 101 } } }), NO_INPUTS, 1, TASK)).param).toBe(
      'steps',
    );
    expect(thrownApiError(() => buildRunwareRequest(call(DEV, { request: { extra: { seed: 0 } } }), NO_INPUTS, 1, TASK)).param).toBe(
      'seed',
    );
  });

  it('warns instead of sending strength on text to image', () => {
    const request = buildRunwareRequest(call(DEV, { request: { extra: { strength: 0.5 } } }), NO_INPUTS, 1, TASK);
    expect(request.body[0].strength).toBeUndefined();
    expect(request.warnings).toEqual([expect.objectContaining({ type: 'unsupported', setting: 'strength' })]);
  });
});

describe('runware route options', () => {
  it('stop the boot on a misspelt option, a mask without seedImage, or an edge off the 64 grid', () => {
    expect(routeOptionProblems(runwareProvider, { image_inputs: 'seed' })).not.toEqual([]);
    expect(routeOptionProblems(runwareProvider, { mask: true })).not.toEqual([]);
    expect(routeOptionProblems(runwareProvider, { max_edge: 2000 })).not.toEqual([]);
    expect(routeOptionProblems(runwareProvider, { image_input: 'seed', mask: true })).toEqual([]);
  });
});
