import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../../src/errors/api-error.js';
import type { ImageRequest, InputImage } from '../../../../src/domain/image-request.js';
import type { OpenAICall } from '../../../../src/providers/openai/openai-parameters.js';
import { openAIProvider } from '../../../../src/providers/openai/openai-provider.js';
import type { MultipartField } from '../../../../src/providers/common/multipart-form.js';
import { buildOpenAIRequest, type PreparedInputs } from '../../../../src/providers/openai/openai-request.js';
import { routeOptionProblems } from '../../../helpers/catalog-route-options.js';
import { catalogCall, type ProviderCallOverrides } from '../../../helpers/provider-call.js';

const API_KEY = 'sk-unit-test-0123456789abcdef';
const BASE_URL = 'https://api.openai.com/v1';

/** A call to a catalog model with the options its route in openai.yaml gives it. */
function callFor(
  upstreamModel: string,
  request: Partial<ImageRequest> = {},
  call: Omit<ProviderCallOverrides, 'request'> = {},
): OpenAICall {
  return catalogCall(openAIProvider, upstreamModel, {
    request: { model: `openai/${upstreamModel}`, prompt: 'A cute baby sea otter', ...request },
    endpoint: { instance: 'openai', baseUrl: BASE_URL, apiKey: API_KEY },
    ...call,
  });
}

/** An input image description; the builder reads sizes only, the bytes come prepared. */
function inputImage(width: number, height: number, format: InputImage['format'] = 'png'): InputImage {
  return { bytes: Buffer.from(`${format}-${width}x${height}`), format, width, height, hasAlpha: false };
}

const prepared = (...formats: Array<'png' | 'jpeg' | 'webp'>): PreparedInputs['images'] =>
  formats.map((format, index) => ({ bytes: Buffer.from(`prepared-${index}`), format }));

function thrown(action: () => unknown): ApiError {
  try {
    action();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected an ApiError');
}

/** Form fields as `name=value` lines, files as `name=@filename (type, bytes)`: easy to compare whole. */
function describeFields(fields: MultipartField[]): string[] {
  return fields.map((field) =>
    'file' in field
      ? `${field.name}=@${field.file.filename} (${field.file.contentType}, ${field.file.bytes.toString()})`
      : `${field.name}=${field.value}`,
  );
}

describe('buildOpenAIRequest: generations', () => {
  it('sends a GPT image text-to-image request as JSON with every passed-through parameter', () => {
    const request = buildOpenAIRequest(
      callFor('gpt-image-1.5', {
        quality: 'medium',
        size: { width: 1536, height: 1024 },
        n: 3,
        outputFormat: 'webp',
        extra: { output_compression: 80, background: 'auto', moderation: 'low', user: 'u_42' },
      }),
    );
    expect(request).toEqual({
      url: 'https://api.openai.com/v1/images/generations',
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: {
        type: 'json',
        json: {
          model: 'gpt-image-1.5',
          prompt: 'A cute baby sea otter',
          n: 3,
          size: '1536x1024',
          quality: 'medium',
          output_format: 'webp',
          background: 'auto',
          output_compression: 80,
          moderation: 'low',
          user: 'u_42',
        },
      },
      warnings: [],
      n: 3,
    });
  });

  it('never sends response_format to GPT image models, and keeps size auto', () => {
    const { body } = buildOpenAIRequest(callFor('gpt-image-1-mini'));
    expect(body).toEqual({
      type: 'json',
      json: { model: 'gpt-image-1-mini', prompt: 'A cute baby sea otter', n: 1, size: 'auto', quality: 'auto', output_format: 'png' },
    });
  });

  it('maps dall-e-3: high → hd, n=1 per call, auto → 1024x1024, style and base64 results', () => {
    const request = buildOpenAIRequest(callFor('dall-e-3', { quality: 'high', n: 4, extra: { style: 'natural', user: 'u_42' } }));
    expect(request.n).toBe(1);
    expect(request.body).toEqual({
      type: 'json',
      json: {
        model: 'dall-e-3',
        prompt: 'A cute baby sea otter',
        n: 1,
        size: '1024x1024',
        quality: 'hd',
        response_format: 'b64_json',
        style: 'natural',
        user: 'u_42',
      },
    });
    expect(request.warnings).toEqual([]);
  });

  it('maps dall-e-3 low/medium/auto to standard, warning only for low', () => {
    const low = buildOpenAIRequest(callFor('dall-e-3', { quality: 'low' }));
    expect(low.body.type === 'json' && low.body.json['quality']).toBe('standard');
    expect(low.warnings).toEqual([
      { type: 'adapted', setting: 'quality', provider: 'openai', message: "OpenAI's dall-e-3 has no 'low' quality; 'standard' was sent." },
    ]);
    for (const quality of ['medium', 'auto'] as const) {
      const request = buildOpenAIRequest(callFor('dall-e-3', { quality }));
      expect(request.body.type === 'json' && request.body.json['quality']).toBe('standard');
      expect(request.warnings).toEqual([]);
    }
  });

  it('asks DALL·E for URLs when the route says so', () => {
    const { body } = buildOpenAIRequest(callFor('dall-e-2', {}, { options: { response_format: 'url' } }));
    expect(body).toEqual({
      type: 'json',
      json: { model: 'dall-e-2', prompt: 'A cute baby sea otter', n: 1, size: '1024x1024', response_format: 'url' },
    });
  });

  it('drops quality for dall-e-2 with a warning', () => {
    const request = buildOpenAIRequest(callFor('dall-e-2', { quality: 'high', size: { width: 512, height: 512 } }));
    expect(request.body.type === 'json' && request.body.json).toEqual({
      model: 'dall-e-2',
      prompt: 'A cute baby sea otter',
      n: 1,
      size: '512x512',
      response_format: 'b64_json',
    });
    expect(request.warnings).toEqual([
      {
        type: 'unsupported',
        setting: 'quality',
        provider: 'openai',
        message: "OpenAI's dall-e-2 has a single quality; 'high' was not sent.",
      },
    ]);
  });

  it('names the instance called (not the adapter) in its warnings', () => {
    const call = callFor(
      'dall-e-2',
      { quality: 'high', size: { width: 512, height: 512 }, extra: { style: 'vivid' } },
      { endpoint: { instance: 'named-instance', baseUrl: BASE_URL, apiKey: API_KEY } },
    );
    const request = buildOpenAIRequest(call);
    expect(request.warnings.map((warning) => warning.setting).sort()).toEqual(['quality', 'style']);
    for (const warning of request.warnings) expect(warning.provider).toBe('named-instance');
  });

  it('adapts a size a fixed-size model lacks to the nearest one, with a warning', () => {
    const gpt = buildOpenAIRequest(callFor('gpt-image-1.5', { size: { width: 1920, height: 1080 } }));
    expect(gpt.body.type === 'json' && gpt.body.json['size']).toBe('1536x1024');
    expect(gpt.warnings).toEqual([
      {
        type: 'adapted',
        setting: 'size',
        provider: 'openai',
        message: "OpenAI's gpt-image-1.5 does not take 1920x1080; 1536x1024 was sent instead.",
      },
    ]);
    const dalle = buildOpenAIRequest(callFor('dall-e-3', { size: { width: 1024, height: 1536 } }));
    expect(dalle.body.type === 'json' && dalle.body.json['size']).toBe('1024x1792');
    expect(dalle.warnings.map((warning) => warning.setting)).toEqual(['size']);
  });

  it('sends gpt-image-2 any valid size as is and fits the others to its rules', () => {
    const exact = buildOpenAIRequest(callFor('gpt-image-2', { size: { width: 3840, height: 2160 } }));
    expect(exact.body.type === 'json' && exact.body.json['size']).toBe('3840x2160');
    expect(exact.warnings).toEqual([]);
    const fitted = buildOpenAIRequest(callFor('gpt-image-2', { size: { width: 1000, height: 1000 } }));
    expect(fitted.body.type === 'json' && fitted.body.json['size']).toBe('1008x1008');
    expect(fitted.warnings).toEqual([
      {
        type: 'adapted',
        setting: 'size',
        provider: 'openai',
        message: "OpenAI's gpt-image-2 does not take 1000x1000; 1008x1008 was sent instead.",
      },
    ]);
  });

  it('caps n at 10 per call for GPT image models (the router fans out above)', () => {
    const request = buildOpenAIRequest(callFor('gpt-image-1', { n: 16 }));
    expect(request.n).toBe(10);
    expect(request.body.type === 'json' && request.body.json['n']).toBe(10);
  });

  it('warns about parameters the model does not take instead of sending them', () => {
    const gpt = buildOpenAIRequest(
      callFor('gpt-image-1.5', { extra: { style: 'vivid', input_fidelity: 'high', partial_images: 2, seed: 7 } }),
    );
    expect(gpt.body.type === 'json' && Object.keys(gpt.body.json)).toEqual(['model', 'prompt', 'n', 'size', 'quality', 'output_format']);
    expect(gpt.warnings).toEqual([
      {
        type: 'unsupported',
        setting: 'style',
        provider: 'openai',
        message: "'style' is not supported by OpenAI's gpt-image-1.5 and was not sent.",
      },
      {
        type: 'unsupported',
        setting: 'input_fidelity',
        provider: 'openai',
        message: "'input_fidelity' applies to edits (input images) only and was not sent.",
      },
      {
        type: 'unsupported',
        setting: 'partial_images',
        provider: 'openai',
        message: "'partial_images' needs streaming, which the gateway does not use with OpenAI, and was not sent.",
      },
    ]);
    const dalle = buildOpenAIRequest(callFor('dall-e-3', { extra: { background: 'opaque', output_compression: 50, moderation: 'low' } }));
    expect(dalle.warnings.map((warning) => warning.setting)).toEqual(['background', 'output_compression', 'moderation']);
  });

  it('takes moderation from the instance settings when the route has none', () => {
    const endpoint = { instance: 'openai', baseUrl: BASE_URL, apiKey: API_KEY, keyIndex: 0, settings: { moderation: 'low' } };
    expect(buildOpenAIRequest(callFor('gpt-image-1.5', {}, { endpoint })).body).toMatchObject({ json: { moderation: 'low' } });
    expect(buildOpenAIRequest(callFor('gpt-image-1.5', {}, { endpoint, options: { moderation: 'auto' } })).body).toMatchObject({
      json: { moderation: 'auto' },
    });
  });

  it('uses the route moderation default only when the client sent none', () => {
    const defaulted = buildOpenAIRequest(callFor('gpt-image-1.5', {}, { options: { moderation: 'low' } }));
    expect(defaulted.body.type === 'json' && defaulted.body.json['moderation']).toBe('low');
    const clients = buildOpenAIRequest(callFor('gpt-image-1.5', { extra: { moderation: 'auto' } }, { options: { moderation: 'low' } }));
    expect(clients.body.type === 'json' && clients.body.json['moderation']).toBe('auto');
  });

  it('accepts output_compression as multipart text', () => {
    const request = buildOpenAIRequest(callFor('gpt-image-1', { outputFormat: 'jpeg', extra: { output_compression: '55' } }));
    expect(request.body.type === 'json' && request.body.json['output_compression']).toBe(55);
  });

  it('sends organization and project headers from the instance settings', () => {
    const request = buildOpenAIRequest(
      callFor(
        'gpt-image-1',
        {},
        {
          endpoint: {
            instance: 'openai',
            baseUrl: BASE_URL,
            apiKey: API_KEY,
            keyIndex: 0,
            settings: { organization: 'org-1', project: 'proj_2' },
          },
        },
      ),
    );
    expect(request.headers).toEqual({
      authorization: `Bearer ${API_KEY}`,
      'openai-organization': 'org-1',
      'openai-project': 'proj_2',
      'content-type': 'application/json',
    });
  });
});

describe('buildOpenAIRequest: refusals (400 naming the parameter)', () => {
  it.each([
    ['a transparent background on gpt-image-2', callFor('gpt-image-2', { extra: { background: 'transparent' } }), 'background'],
    ['a transparent JPEG', callFor('gpt-image-1.5', { outputFormat: 'jpeg', extra: { background: 'transparent' } }), 'background'],
    ['an unknown background', callFor('gpt-image-1.5', { extra: { background: 'purple' } }), 'background'],
    ['output_compression above 100', callFor('gpt-image-1.5', { extra: { output_compression: 101 } }), 'output_compression'],
    ['an unknown style', callFor('dall-e-3', { extra: { style: 'cartoon' } }), 'style'],
    ['a user that is not a string', callFor('dall-e-3', { extra: { user: 42 } }), 'user'],
    ['no prompt', callFor('gpt-image-1.5', { prompt: undefined }), 'prompt'],
    ['a prompt over dall-e-2 limit', callFor('dall-e-2', { prompt: 'x'.repeat(1001) }), 'prompt'],
  ])('refuses %s', (_name, call, param) => {
    const error = thrown(() => buildOpenAIRequest(call));
    expect(error.kind).toBe('invalid_request');
    expect(error.param).toBe(param);
  });

  it('refuses edits on dall-e-3, several images on dall-e-2 and non-square dall-e-2 images', () => {
    expect(
      thrown(() => buildOpenAIRequest(callFor('dall-e-3', { images: [inputImage(64, 64)] }), { images: prepared('png'), mask: undefined }))
        .param,
    ).toBe('image[]');
    expect(
      thrown(() =>
        buildOpenAIRequest(callFor('dall-e-2', { images: [inputImage(64, 64), inputImage(64, 64)] }), {
          images: prepared('png', 'png'),
          mask: undefined,
        }),
      ).param,
    ).toBe('image[]');
    expect(
      thrown(() => buildOpenAIRequest(callFor('dall-e-2', { images: [inputImage(64, 32)] }), { images: prepared('png'), mask: undefined }))
        .param,
    ).toBe('image[]');
  });

  it('refuses a wrong route option at boot, naming it: the operator’s mistake, never the client’s', () => {
    expect(routeOptionProblems(openAIProvider, { response_format: 'file' }).join()).toContain('options.response_format');
    expect(routeOptionProblems(openAIProvider, { family: 'gpt-image-9' }).join()).toContain('options.family');
  });
});

describe('buildOpenAIRequest: edits (multipart)', () => {
  const mask = Buffer.from('mask-png');

  it('sends several images as image[], the mask, and the parameters as text fields', () => {
    const request = buildOpenAIRequest(
      callFor('gpt-image-1', {
        prompt: 'Replace only the chair in the masked area with the chair from image 2',
        size: { width: 1536, height: 1024 },
        quality: 'high',
        images: [inputImage(1536, 1024), inputImage(800, 600, 'jpeg'), inputImage(512, 512, 'webp')],
        mask: { ...inputImage(1536, 1024), hasAlpha: true },
        extra: { input_fidelity: 'high', moderation: 'low', user: 'u_42' },
      }),
      { images: prepared('png', 'jpeg', 'webp'), mask },
    );
    expect(request.url).toBe('https://api.openai.com/v1/images/edits');
    // No content-type: the multipart encoder sets it with its boundary.
    expect(request.headers).toEqual({ authorization: `Bearer ${API_KEY}` });
    expect(request.body.type === 'multipart' && describeFields(request.body.fields)).toEqual([
      'model=gpt-image-1',
      'prompt=Replace only the chair in the masked area with the chair from image 2',
      'image[]=@image-1.png (image/png, prepared-0)',
      'image[]=@image-2.jpg (image/jpeg, prepared-1)',
      'image[]=@image-3.webp (image/webp, prepared-2)',
      'mask=@mask.png (image/png, mask-png)',
      'n=1',
      'size=1536x1024',
      'quality=high',
      'output_format=png',
      'moderation=low',
      'input_fidelity=high',
      'user=u_42',
    ]);
    expect(request.warnings).toEqual([]);
  });

  it('sends one image as image, and no input_fidelity to gpt-image-1-mini', () => {
    const request = buildOpenAIRequest(callFor('gpt-image-1-mini', { images: [inputImage(64, 64)], extra: { input_fidelity: 'high' } }), {
      images: prepared('png'),
      mask: undefined,
    });
    expect(request.body.type === 'multipart' && describeFields(request.body.fields)).toEqual([
      'model=gpt-image-1-mini',
      'prompt=A cute baby sea otter',
      'image=@image-1.png (image/png, prepared-0)',
      'n=1',
      'size=auto',
      'quality=auto',
      'output_format=png',
    ]);
    expect(request.warnings.map((warning) => warning.setting)).toEqual(['input_fidelity']);
  });

  it('sends a dall-e-2 edit with response_format and without quality', () => {
    const request = buildOpenAIRequest(callFor('dall-e-2', { images: [inputImage(256, 256)], size: { width: 256, height: 256 } }), {
      images: prepared('png'),
      mask: undefined,
    });
    expect(request.body.type === 'multipart' && describeFields(request.body.fields)).toEqual([
      'model=dall-e-2',
      'prompt=A cute baby sea otter',
      'image=@image-1.png (image/png, prepared-0)',
      'n=1',
      'size=256x256',
      'response_format=b64_json',
    ]);
  });

  it('insists on prepared images', () => {
    expect(() => buildOpenAIRequest(callFor('gpt-image-1', { images: [inputImage(64, 64)] }))).toThrow(/prepared/);
  });
});
