import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../../src/errors/api-error.js';
import type { ImageRequest, InputImage } from '../../../../src/domain/image-request.js';
import { openRouterProvider } from '../../../../src/providers/openrouter/openrouter-provider.js';
import { buildOpenRouterRequest, type OpenRouterCall } from '../../../../src/providers/openrouter/openrouter-request.js';
import { thrownBy } from '../../../helpers/caught-error.js';
import { routeOptionProblems } from '../../../helpers/catalog-route-options.js';
import { catalogCall } from '../../../helpers/provider-call.js';

const BASE_URL = 'https://openrouter.ai/api/v1';
const KEY = 'sk-or-v1-unit-0123456789abcdef';

function callFor(upstreamModel: string, request: Partial<ImageRequest> = {}, settings: Record<string, unknown> = {}): OpenRouterCall {
  return catalogCall(openRouterProvider, upstreamModel, {
    request: { model: 'openrouter/test', prompt: 'a red fox in snow', ...request },
    endpoint: { instance: 'openrouter', baseUrl: BASE_URL, apiKey: KEY, settings },
  });
}

const input = (format: 'png' | 'jpeg' = 'png'): InputImage => ({
  bytes: Buffer.from('image'),
  format,
  width: 640,
  height: 480,
  hasAlpha: false,
});
const prepared = (label: string, format: 'png' | 'jpeg' = 'png') => ({ bytes: Buffer.from(label), format });

describe('buildOpenRouterRequest: text to image', () => {
  it('builds the exact chat completion: Bearer key, image output, the cost asked for, the size as Gemini’s nearest ratio', () => {
    const built = buildOpenRouterRequest(callFor('google/gemini-2.5-flash-image', { size: { width: 1600, height: 900 } }));
    expect(built.url).toBe('https://openrouter.ai/api/v1/chat/completions');
    expect(built.method).toBe('POST');
    expect(built.headers).toEqual({ 'content-type': 'application/json', authorization: `Bearer ${KEY}` });
    expect(built.body).toEqual({
      model: 'google/gemini-2.5-flash-image',
      messages: [{ role: 'user', content: 'a red fox in snow' }],
      modalities: ['image', 'text'],
      stream: false,
      usage: { include: true },
      image_config: { aspect_ratio: '16:9' },
    });
    expect(built.warnings).toEqual([]);
  });

  it('sends no image_config for an automatic size, and reports a size it had to round to a ratio', () => {
    expect(buildOpenRouterRequest(callFor('google/gemini-2.5-flash-image')).body.image_config).toBeUndefined();
    const built = buildOpenRouterRequest(callFor('google/gemini-2.5-flash-image', { size: { width: 1000, height: 1100 } }));
    expect(built.body.image_config).toEqual({ aspect_ratio: '1:1' });
    expect(built.warnings).toEqual([expect.objectContaining({ type: 'adapted', setting: 'size', provider: 'openrouter' })]);
  });

  it('drops the size with a warning on a model without a documented size control (FLUX.2), and a quality always', () => {
    const built = buildOpenRouterRequest(callFor('black-forest-labs/flux.2-pro', { size: { width: 1024, height: 768 }, quality: 'high' }));
    expect(built.body.image_config).toBeUndefined();
    expect(built.body.model).toBe('black-forest-labs/flux.2-pro');
    expect(built.warnings.map((warning) => [warning.type, warning.setting])).toEqual([
      ['unsupported', 'quality'],
      ['unsupported', 'size'],
    ]);
  });

  it('sends the attribution headers an instance configures', () => {
    const built = buildOpenRouterRequest(
      callFor('google/gemini-2.5-flash-image', {}, { site_url: 'https://images.example.com', app_name: 'Example images' }),
    );
    expect(built.headers).toMatchObject({ 'http-referer': 'https://images.example.com', 'x-title': 'Example images' });
  });

  it('refuses a request without a prompt, naming the parameter', () => {
    const error = thrownBy(() => buildOpenRouterRequest(callFor('google/gemini-2.5-flash-image', { prompt: undefined })));
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, param: 'prompt' });
  });
});

describe('buildOpenRouterRequest: edit', () => {
  it('sends the prompt then each input image as an image_url data URL part', () => {
    const built = buildOpenRouterRequest(callFor('google/gemini-2.5-flash-image', { images: [input(), input('jpeg')] }), [
      prepared('first'),
      prepared('second', 'jpeg'),
    ]);
    expect(built.body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a red fox in snow' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${Buffer.from('first').toString('base64')}` } },
          { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${Buffer.from('second').toString('base64')}` } },
        ],
      },
    ]);
  });

  it('refuses more input images than the route takes, naming image[]', () => {
    const images = [input(), input(), input(), input()];
    const error = thrownBy(() =>
      buildOpenRouterRequest(
        callFor('google/gemini-2.5-flash-image', { images }),
        images.map(() => prepared('x')),
      ),
    );
    expect(error).toMatchObject({ status: 400, param: 'image[]' });
  });
});

describe('buildOpenRouterRequest: mask', () => {
  it('refuses a mask, naming the parameter: chat completions have no mask field', () => {
    const error = thrownBy(() =>
      buildOpenRouterRequest(callFor('google/gemini-2.5-flash-image', { images: [input()], mask: input() }), [prepared('image')]),
    );
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, param: 'mask' });
  });
});

describe('OpenRouter route options', () => {
  it('names a misspelt option or a ratio written the wrong way', () => {
    expect(routeOptionProblems(openRouterProvider, { aspect_ratio: ['1:1'] })).toEqual([expect.stringContaining('aspect_ratio')]);
    expect(routeOptionProblems(openRouterProvider, { aspect_ratios: ['16x9'] })).toEqual([
      "options.aspect_ratios[0]: must look like '16:9'",
    ]);
  });
});
