import { describe, expect, it } from 'vitest';
import type { InputImage } from '../../../../src/domain/image-request.js';
import { buildImagenRequest } from '../../../../src/providers/imagen/imagen-request.js';
import { imagenProvider } from '../../../../src/providers/imagen/imagen-provider.js';
import { routeOptionProblems } from '../../../helpers/catalog-route-options.js';
import { GEMINI_BASE, imagenCall, TEST_KEY, VERTEX_BASE, type googleCall } from '../gemini/gemini-call.js';
import { thrownApiError } from '../../../helpers/caught-error.js';

const IMAGEN_4 = { image_sizes: ['1K', '2K'] };
const imagen = (model: string, request: Parameters<typeof googleCall>[1] = {}, overrides: Parameters<typeof googleCall>[2] = {}) =>
  imagenCall(model, request, { ...overrides, endpoint: { instance: 'imagen', ...overrides.endpoint } });

describe('buildImagenRequest: the exact outgoing request', () => {
  it('text to image with size auto: sampleCount always sent, RAI reasons asked for, PNG, key in the header only', () => {
    const request = buildImagenRequest(imagen('imagen-4.0-generate-001', {}, { options: IMAGEN_4 }), 3);
    expect(request).toEqual({
      url: `${GEMINI_BASE}/models/imagen-4.0-generate-001:predict`,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': TEST_KEY },
      body: {
        instances: [{ prompt: 'a lighthouse at dawn' }],
        parameters: { sampleCount: 3, includeRaiReason: true, outputOptions: { mimeType: 'image/png' } },
      },
      warnings: [],
    });
  });

  it('maps a size to the nearest of the five ratios and the nearest tier, warning when it is not exact', () => {
    const exact = buildImagenRequest(imagen('imagen-4.0-generate-001', { size: { width: 2816, height: 1536 } }, { options: IMAGEN_4 }), 1);
    expect(exact.body.parameters).toMatchObject({ aspectRatio: '16:9', sampleImageSize: '2K' });
    expect(exact.warnings).toEqual([]);
    const adapted = buildImagenRequest(
      imagen('imagen-4.0-generate-001', { size: { width: 1100, height: 1000 } }, { options: IMAGEN_4 }),
      1,
    );
    expect(adapted.body.parameters).toMatchObject({ aspectRatio: '1:1', sampleImageSize: '1K' });
    expect(adapted.warnings).toEqual([
      {
        type: 'adapted',
        setting: 'size',
        provider: 'imagen',
        message:
          "'imagen-4.0-generate-001' takes no pixel size: 1100x1000 was sent as the nearest aspect ratio 1:1 at 1K, which it returns as 1024x1024.",
      },
    ]);
  });

  it('sends no sampleImageSize to models without tiers (Imagen 3, Imagen 4 Fast)', () => {
    const request = buildImagenRequest(imagen('imagen-4.0-fast-generate-001', { size: { width: 2048, height: 2048 } }), 1);
    expect(request.body.parameters.aspectRatio).toBe('1:1');
    expect(request.body.parameters.sampleImageSize).toBeUndefined();
    expect(request.warnings[0]?.message).toContain('which it returns as 1024x1024');
  });

  it('asks for JPEG when the client wants JPEG, with output_compression as its quality', () => {
    const request = buildImagenRequest(imagen('imagen-3.0-generate-002', { outputFormat: 'jpeg', extra: { output_compression: 80 } }), 1);
    expect(request.body.parameters.outputOptions).toEqual({ mimeType: 'image/jpeg', compressionQuality: 80 });
    const webp = buildImagenRequest(imagen('imagen-3.0-generate-002', { outputFormat: 'webp' }), 1);
    expect(webp.body.parameters.outputOptions).toEqual({ mimeType: 'image/png' });
    const bad = buildImagenRequest(imagen('imagen-3.0-generate-002', { outputFormat: 'jpeg', extra: { output_compression: 101 } }), 1);
    expect(bad.body.parameters.outputOptions).toEqual({ mimeType: 'image/jpeg' });
    expect(bad.warnings).toEqual([expect.objectContaining({ type: 'unsupported', setting: 'output_compression' })]);
  });

  it('passes person_generation and safety_setting route options, and warns that quality has no knob', () => {
    const request = buildImagenRequest(
      imagen(
        'imagen-3.0-generate-002',
        { quality: 'high' },
        { options: { person_generation: 'dont_allow', safety_setting: 'block_only_high' } },
      ),
      1,
    );
    expect(request.body.parameters).toMatchObject({ personGeneration: 'dont_allow', safetySetting: 'block_only_high' });
    expect(request.warnings).toEqual([expect.objectContaining({ type: 'unsupported', setting: 'quality' })]);
  });

  it('refuses input images, masks and an empty prompt; refuses a bad route option at boot', () => {
    const image: InputImage = { bytes: Buffer.from('x'), format: 'png', width: 8, height: 8, hasAlpha: false };
    expect(thrownApiError(() => buildImagenRequest(imagen('imagen-3.0-generate-002', { images: [image] }), 1)).param).toBe('image[]');
    expect(thrownApiError(() => buildImagenRequest(imagen('imagen-3.0-generate-002', { mask: image }), 1)).param).toBe('mask');
    expect(thrownApiError(() => buildImagenRequest(imagen('imagen-3.0-generate-002', { prompt: '' }), 1)).param).toBe('prompt');
    expect(routeOptionProblems(imagenProvider, { max_images_per_call: 8 }).join()).toContain('options.max_images_per_call');
  });

  it('Vertex: the publisher model URL and a Bearer token', () => {
    const request = buildImagenRequest(imagen('imagen-4.0-generate-001', {}, { endpoint: { baseUrl: `${VERTEX_BASE}/models` } }), 1);
    expect(request.url).toBe(`${VERTEX_BASE}/models/imagen-4.0-generate-001:predict`);
    expect(request.headers).toEqual({ 'content-type': 'application/json', authorization: `Bearer ${TEST_KEY}` });
  });
});
