import { describe, expect, it } from 'vitest';
import { comfyuiProvider } from '../../../../src/providers/comfyui/comfyui-provider.js';
import { buildComfyuiRequest } from '../../../../src/providers/comfyui/comfyui-request.js';
import { catalogRouteOptions, routeOptionProblems } from '../../../helpers/catalog-route-options.js';
import { thrownApiError } from '../../../helpers/caught-error.js';
import { catalogCall, type ProviderCallOverrides } from '../../../helpers/provider-call.js';
import type { InputImage } from '../../../../src/domain/image-request.js';

const SDXL = 'sd_xl_base_1.0.safetensors';
const FLUX = 'flux1-schnell-fp8.safetensors';
const BASE = 'http://gpu-box:8188';
const IDS = { promptId: 'prompt-1', clientId: 'client-1', randomSeed: 424242 };
const NO_UPLOADS = { image: undefined, mask: undefined, imageSize: undefined };
const image: InputImage = { bytes: Buffer.from('png'), format: 'png', width: 640, height: 480, hasAlpha: false };
const call = (model: string, overrides: ProviderCallOverrides = {}) =>
  catalogCall(comfyuiProvider, model, {
    ...overrides,
    endpoint: { instance: 'comfyui', baseUrl: BASE, apiKey: 'proxy-token-123', ...overrides.endpoint },
  });

describe('buildComfyuiRequest: the exact /prompt body', () => {
  it('text to image: fills the SDXL workflow bindings, a fresh seed, medium steps, a unique prefix, bearer auth', () => {
    const request = buildComfyuiRequest(call(SDXL, { request: { size: { width: 832, height: 1216 } } }), NO_UPLOADS, 2, IDS);
    expect(request.url).toBe(`${BASE}/prompt`);
    expect(request.headers).toEqual({ 'content-type': 'application/json', authorization: 'Bearer proxy-token-123' });
    expect(request.body.client_id).toBe('client-1');
    expect(request.body.prompt_id).toBe('prompt-1');
    const graph = request.body.prompt;
    expect(graph['6']?.inputs['text']).toBe('a lighthouse on a cliff');
    expect(graph['5']?.inputs).toEqual({ width: 832, height: 1216, batch_size: 2 });
    expect(graph['3']?.inputs).toMatchObject({ seed: 424242, steps: 25, denoise: 1, latent_image: ['5', 0] });
    expect(graph['9']?.inputs['filename_prefix']).toBe('imagerouter/prompt-1');
    expect(request.warnings).toEqual([]);
  });

  it('takes the client seed, steps and negative prompt, and rounds FLUX sizes to 16 with a warning', () => {
    const request = buildComfyuiRequest(
      call(FLUX, { request: { size: { width: 1000, height: 1000 }, extra: { seed: 7, steps: 3, negative_prompt: 'blur' } } }),
      NO_UPLOADS,
      1,
      IDS,
    );
    expect(request.body.prompt['3']?.inputs).toMatchObject({ seed: 7, steps: 3 });
    expect(request.body.prompt['5']?.inputs).toMatchObject({ width: 1008, height: 1008 });
    expect(request.warnings.map((warning) => [warning.type, warning.setting])).toEqual([
      ['adapted', 'size'],
      ['unsupported', 'negative_prompt'],
    ]);
  });

  it('edit: the edit workflow with the uploaded name in LoadImage, the input size, and strength as denoise', () => {
    const uploads = { image: 'imagerouter-1.png', mask: undefined, imageSize: { width: 640, height: 480 } };
    const request = buildComfyuiRequest(call(SDXL, { request: { images: [image], extra: { strength: 0.4 } } }), uploads, 1, IDS);
    const graph = request.body.prompt;
    expect(graph['10']?.inputs['image']).toBe('imagerouter-1.png');
    expect(graph['3']?.inputs).toMatchObject({ denoise: 0.4, latent_image: ['11', 0] });
    expect(graph['5']).toBeUndefined();
  });

  it('mask: the inpaint workflow, repainting where LoadImage reads the merged alpha', () => {
    const uploads = { image: 'imagerouter-2.png', mask: undefined, imageSize: { width: 640, height: 480 } };
    const request = buildComfyuiRequest(call(SDXL, { request: { images: [image], mask: image } }), uploads, 1, IDS);
    const graph = request.body.prompt;
    expect(graph['10']?.inputs['image']).toBe('imagerouter-2.png');
    expect(graph['12']).toEqual({ class_type: 'SetLatentNoiseMask', inputs: { samples: ['11', 0], mask: ['10', 1] } });
    expect(graph['3']?.inputs['denoise']).toBe(0.75);
  });

  it('refuses what the route cannot do, naming the parameter', () => {
    expect(thrownApiError(() => buildComfyuiRequest(call(FLUX, { request: { images: [image] } }), NO_UPLOADS, 1, IDS)).param).toBe(
      'image[]',
    );
    expect(
      thrownApiError(() => buildComfyuiRequest(call(FLUX, { request: { images: [image], mask: image } }), NO_UPLOADS, 1, IDS)).param,
    ).toBe('mask');
    expect(thrownApiError(() => buildComfyuiRequest(call(SDXL, { request: { extra: { seed: -1 } } }), NO_UPLOADS, 1, IDS)).param).toBe(
      'seed',
    );
  });

  it('sends Basic credentials with auth_scheme: basic', () => {
    const request = buildComfyuiRequest(
      call(SDXL, { endpoint: { apiKey: 'bob:pw', settings: { auth_scheme: 'basic' } } }),
      NO_UPLOADS,
      1,
      IDS,
    );
    expect(request.headers['authorization']).toBe(`Basic ${Buffer.from('bob:pw').toString('base64')}`);
  });
});

describe('comfyui route options', () => {
  const options = () => catalogRouteOptions(comfyuiProvider, SDXL);

  it('accepts the shipped SDXL and FLUX workflows', () => {
    expect(routeOptionProblems(comfyuiProvider, options())).toEqual([]);
    expect(routeOptionProblems(comfyuiProvider, catalogRouteOptions(comfyuiProvider, FLUX))).toEqual([]);
  });

  it('refuses a binding to a node or input the graph lacks, and a UI-format export', () => {
    const raw = options();
    const textToImage = raw['text_to_image'] as { inputs: Record<string, unknown>; graph: unknown };
    textToImage.inputs['seed'] = { node: '42', input: 'seed' };
    textToImage.inputs['steps'] = { node: '3', input: 'stepz' };
    expect(routeOptionProblems(comfyuiProvider, raw).join('\n')).toMatch(/node '42' is not in the graph[\s\S]*has no input 'stepz'/);
    textToImage.graph = { nodes: [], links: [], last_node_id: 9 };
    expect(routeOptionProblems(comfyuiProvider, raw).join('\n')).toContain('Save (API)');
  });
});
