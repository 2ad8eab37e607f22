import { describe, expect, it } from 'vitest';
import type { InputImage } from '../../../../src/domain/image-request.js';
import { buildGeminiRequest, type GeminiPreparedImage } from '../../../../src/providers/gemini/gemini-request.js';
import { thrownApiError } from '../../../helpers/caught-error.js';
import { geminiProvider } from '../../../../src/providers/gemini/gemini-provider.js';
import { routeOptionProblems } from '../../../helpers/catalog-route-options.js';
import { GEMINI_BASE, geminiCall, TEST_KEY, VERTEX_BASE } from './gemini-call.js';

const PRO_OPTIONS = { image_sizes: ['1K', '2K', '4K'] };
const png: GeminiPreparedImage = { bytes: Buffer.from('png-bytes'), format: 'png' };
const jpeg: GeminiPreparedImage = { bytes: Buffer.from('jpeg-bytes'), format: 'jpeg' };
const webp: GeminiPreparedImage = { bytes: Buffer.from('webp-bytes'), format: 'webp' };

describe('buildGeminiRequest: the exact outgoing request', () => {
  it('text to image with size auto: prompt part, IMAGE modality, no imageConfig, key in the header only', () => {
    const request = buildGeminiRequest(geminiCall('gemini-2.5-flash-image'), []);
    expect(request).toEqual({
      url: `${GEMINI_BASE}/models/gemini-2.5-flash-image:generateContent`,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': TEST_KEY },
      body: {
        contents: [{ role: 'user', parts: [{ text: 'a lighthouse at dawn' }] }],
        generationConfig: { responseModalities: ['IMAGE'] },
      },
      warnings: [],
    });
    expect(request.url).not.toContain(TEST_KEY);
  });

  it('an edit sends the prompt first, then every image in order as inlineData without a data: prefix', () => {
    const request = buildGeminiRequest(geminiCall('gemini-3-pro-image', {}, { options: PRO_OPTIONS }), [png, jpeg, webp]);
    expect(request.body.contents).toEqual([
      {
        role: 'user',
        parts: [
          { text: 'a lighthouse at dawn' },
          { inlineData: { mimeType: 'image/png', data: Buffer.from('png-bytes').toString('base64') } },
          { inlineData: { mimeType: 'image/jpeg', data: Buffer.from('jpeg-bytes').toString('base64') } },
          { inlineData: { mimeType: 'image/webp', data: Buffer.from('webp-bytes').toString('base64') } },
        ],
      },
    ]);
  });

  it('refuses a mask instead of repainting the whole picture', () => {
    const mask: InputImage = { bytes: Buffer.from('m'), format: 'png', width: 8, height: 8, hasAlpha: true };
    const error = thrownApiError(() => buildGeminiRequest(geminiCall('gemini-2.5-flash-image', { mask }), [png]));
    expect(error.kind).toBe('invalid_request');
    expect(error.param).toBe('mask');
  });

  it('needs a prompt or an image', () => {
    expect(thrownApiError(() => buildGeminiRequest(geminiCall('gemini-2.5-flash-image', { prompt: undefined }), [])).param).toBe('prompt');
  });
});

describe('buildGeminiRequest: size → aspect ratio and tier', () => {
  it('an exact documented size of 2.5 Flash maps to its ratio without a tier and without a warning', () => {
    const request = buildGeminiRequest(geminiCall('gemini-2.5-flash-image', { size: { width: 1344, height: 768 } }), []);
    expect(request.body.generationConfig.imageConfig).toEqual({ aspectRatio: '16:9' });
    expect(request.warnings).toEqual([]);
  });

  it('another size gets the nearest ratio and an adapted warning naming the real output size', () => {
    const request = buildGeminiRequest(geminiCall('gemini-2.5-flash-image', { size: { width: 1024, height: 768 } }), []);
    expect(request.body.generationConfig.imageConfig).toEqual({ aspectRatio: '4:3' });
    expect(request.warnings).toEqual([
      {
        type: 'adapted',
        setting: 'size',
        provider: 'gemini',
        message:
          "'gemini-2.5-flash-image' takes no pixel size: 1024x768 was sent as the nearest aspect ratio 4:3, which it returns as 1184x864.",
      },
    ]);
  });

  it('a tiered model gets the nearest tier by area: 2752x1536 is exactly 16:9 at 2K', () => {
    const request = buildGeminiRequest(
      geminiCall('gemini-3-pro-image', { size: { width: 2752, height: 1536 } }, { options: PRO_OPTIONS }),
      [],
    );
    expect(request.body.generationConfig.imageConfig).toEqual({ aspectRatio: '16:9', imageSize: '2K' });
    expect(request.warnings).toEqual([]);
  });

  it('1920x1080 on Gemini 3 Pro is nearer 1K than 2K by area: 16:9 at 1K, with a warning', () => {
    // log(1.05M / 2.07M) = -0.68, log(4.19M / 2.07M) = 0.70: 1K is nearer.
    const request = buildGeminiRequest(
      geminiCall('gemini-3-pro-image', { size: { width: 1920, height: 1080 } }, { options: PRO_OPTIONS }),
      [],
    );
    expect(request.body.generationConfig.imageConfig).toEqual({ aspectRatio: '16:9', imageSize: '1K' });
    expect(request.warnings[0]?.message).toContain('aspect ratio 16:9 at 1K, which it returns as 1376x768');
  });

  it('4096x4096 asks for 4K; 512x512 on a model without the 512 tier asks for 1K', () => {
    const big = buildGeminiRequest(geminiCall('gemini-3-pro-image', { size: { width: 4096, height: 4096 } }, { options: PRO_OPTIONS }), []);
    expect(big.body.generationConfig.imageConfig).toEqual({ aspectRatio: '1:1', imageSize: '4K' });
    expect(big.warnings).toEqual([]);
    const small = buildGeminiRequest(geminiCall('gemini-3-pro-image', { size: { width: 512, height: 512 } }, { options: PRO_OPTIONS }), []);
    expect(small.body.generationConfig.imageConfig).toEqual({ aspectRatio: '1:1', imageSize: '1K' });
  });

  it('uses the route ratios: 3.1 Flash takes 8:1, and its undocumented sizes are not guessed in the warning', () => {
    const options = { image_sizes: ['512', '1K', '2K', '4K'], aspect_ratios: ['1:1', '16:9', '21:9', '4:1', '8:1'] };
    const request = buildGeminiRequest(geminiCall('gemini-3.1-flash-image', { size: { width: 3200, height: 400 } }, { options }), []);
    expect(request.body.generationConfig.imageConfig).toEqual({ aspectRatio: '8:1', imageSize: '1K' });
    expect(request.warnings[0]?.message).toContain('the model picks the exact pixel size');
    const tiny = buildGeminiRequest(geminiCall('gemini-3.1-flash-image', { size: { width: 512, height: 512 } }, { options }), []);
    expect(tiny.body.generationConfig.imageConfig).toEqual({ aspectRatio: '1:1', imageSize: '512' });
  });

  it('a tie between two tiers goes to the larger one', () => {
    // 2048x1024 has twice the area of 1K and half that of 2K: equally far on a log scale.
    const request = buildGeminiRequest(
      geminiCall('gemini-3-pro-image', { size: { width: 2048, height: 1024 } }, { options: PRO_OPTIONS }),
      [],
    );
    expect(request.body.generationConfig.imageConfig?.imageSize).toBe('2K');
  });
});

describe('buildGeminiRequest: other parameters', () => {
  it('warns that quality has no knob', () => {
    const request = buildGeminiRequest(geminiCall('gemini-2.5-flash-image', { quality: 'high' }), []);
    expect(request.warnings).toEqual([expect.objectContaining({ type: 'unsupported', setting: 'quality', provider: 'gemini' })]);
  });

  it('passes an integer seed and drops anything else with a warning', () => {
    expect(buildGeminiRequest(geminiCall('gemini-2.5-flash-image', { extra: { seed: 42 } }), []).body.generationConfig.seed).toBe(42);
    const bad = buildGeminiRequest(geminiCall('gemini-2.5-flash-image', { extra: { seed: 'lucky' } }), []);
    expect(bad.body.generationConfig.seed).toBeUndefined();
    expect(bad.warnings).toEqual([expect.objectContaining({ type: 'unsupported', setting: 'seed' })]);
  });

  it('sends the route thinking level and modalities', () => {
    const request = buildGeminiRequest(
      geminiCall('gemini-3.1-flash-image', {}, { options: { thinking_level: 'HIGH', response_modalities: ['TEXT', 'IMAGE'] } }),
      [],
    );
    expect(request.body.generationConfig).toEqual({ responseModalities: ['TEXT', 'IMAGE'], thinkingConfig: { thinkingLevel: 'HIGH' } });
  });

  it('refuses a mistyped route option at boot, naming it', () => {
    expect(routeOptionProblems(geminiProvider, { image_size: ['2K'] })).toEqual(['options.image_size: unknown field']);
    expect(routeOptionProblems(geminiProvider, { image_sizes: ['2k'] }).join()).toContain('options.image_sizes[0]');
    expect(routeOptionProblems(geminiProvider, { response_modalities: ['TEXT'] }).join()).toContain('must include IMAGE');
  });
});

describe('buildGeminiRequest: Vertex AI form', () => {
  it('settings.vertex: same body to the publisher model URL with a Bearer token', () => {
    const request = buildGeminiRequest(
      geminiCall('gemini-2.5-flash-image', {}, { endpoint: { baseUrl: VERTEX_BASE, settings: { vertex: true } } }),
      [],
    );
    expect(request.url).toBe(`${VERTEX_BASE}/models/gemini-2.5-flash-image:generateContent`);
    expect(request.headers).toEqual({ 'content-type': 'application/json', authorization: `Bearer ${TEST_KEY}` });
  });

  it('recognises a Vertex base URL by its shape, with or without /models', () => {
    const withModels = buildGeminiRequest(geminiCall('gemini-2.5-flash-image', {}, { endpoint: { baseUrl: `${VERTEX_BASE}/models` } }), []);
    expect(withModels.url).toBe(`${VERTEX_BASE}/models/gemini-2.5-flash-image:generateContent`);
    expect(withModels.headers['authorization']).toBe(`Bearer ${TEST_KEY}`);
    expect(withModels.headers['x-goog-api-key']).toBeUndefined();
  });

  it('vertex: false and auth: api_key override the shape (proxies, Vertex express mode)', () => {
    const proxied = buildGeminiRequest(
      geminiCall('gemini-2.5-flash-image', {}, { endpoint: { baseUrl: VERTEX_BASE, settings: { vertex: false } } }),
      [],
    );
    expect(proxied.headers['x-goog-api-key']).toBe(TEST_KEY);
    const express = buildGeminiRequest(
      geminiCall('gemini-2.5-flash-image', {}, { endpoint: { baseUrl: VERTEX_BASE, settings: { auth: 'api_key' } } }),
      [],
    );
    expect(express.headers).toEqual({ 'content-type': 'application/json', 'x-goog-api-key': TEST_KEY });
  });

  it('sends no credential header when the instance has no key', () => {
    const request = buildGeminiRequest(geminiCall('gemini-2.5-flash-image', {}, { endpoint: { apiKey: undefined } }), []);
    expect(request.headers).toEqual({ 'content-type': 'application/json' });
  });
});
