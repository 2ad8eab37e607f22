import { describe, expect, it } from 'vitest';
import { resolveCallConfig } from '../../../../src/providers/openai-compatible/openai-compatible-config.js';
import { openAICompatibleProvider } from '../../../../src/providers/openai-compatible/openai-compatible-provider.js';
import { buildOpenAICompatibleRequest, imagesPerRequest } from '../../../../src/providers/openai-compatible/openai-compatible-request.js';
import { resolveProviderInstances } from '../../../../src/providers/provider-instances.js';
import { routeOptionProblems } from '../../../helpers/catalog-route-options.js';
import {
  API_KEY,
  callFor,
  formFields,
  imageOne,
  imageTwo,
  inputImage,
  jsonBody,
  jsonHeaders,
  maskBytes,
  noInputs,
} from './openai-compatible-fixtures.js';

describe('buildOpenAICompatibleRequest: text to image', () => {
  it('generic: OpenAI fields, b64_json, passes OpenAI extras and reports the rest', () => {
    const request = buildOpenAICompatibleRequest(
      callFor('generic', {
        request: { size: { width: 1024, height: 768 }, quality: 'high', outputFormat: 'webp', extra: { user: 'u1', seed: 7, lora: 'x' } },
      }),
      noInputs,
    );
    expect(request.url).toBe('http://images.internal:9000/v1/images/generations');
    expect(request.headers).toEqual(jsonHeaders);
    expect(jsonBody(request)).toEqual({
      model: 'upstream-model',
      prompt: 'a lighthouse on a cliff at dawn',
      n: 1,
      size: '1024x768',
      quality: 'high',
      response_format: 'b64_json',
      output_format: 'webp',
      user: 'u1',
      seed: 7,
    });
    expect(request.warnings).toEqual([
      { type: 'unsupported', setting: 'lora', provider: 'generic', message: "'lora' is not supported by 'generic' and was not sent." },
    ]);
  });

  it('localai: negative prompt after |, a client | defused, quality as step, no auth without a key', () => {
    const request = buildOpenAICompatibleRequest(
      callFor('localai', {
        apiKey: undefined,
        request: {
          prompt: 'fox | snow',
          quality: 'high',
          size: { width: 768, height: 512 },
          extra: { negative_prompt: 'blurry', seed: 42 },
        },
        options: { steps: { low: 8, high: 30 } },
      }),
      noInputs,
    );
    expect(request.url).toBe('http://localai:8080/v1/images/generations');
    expect(request.headers).toEqual({ 'content-type': 'application/json', accept: 'application/json' });
    expect(jsonBody(request)).toEqual({
      model: 'upstream-model',
      prompt: 'fox / snow|blurry',
      n: 1,
      size: '768x512',
      step: 30,
      response_format: 'b64_json',
      seed: 42,
    });
    expect(request.warnings.map((warning) => [warning.type, warning.setting])).toEqual([['adapted', 'prompt']]);
  });

  it('vllm: b64_json always, output format, quality as num_inference_steps, diffusion extras', () => {
    const request = buildOpenAICompatibleRequest(
      callFor('vllm', {
        n: 3,
        request: { quality: 'low', outputFormat: 'jpeg', extra: { negative_prompt: 'lowres', guidance_scale: 4 } },
        options: { steps: { low: 12 } },
      }),
      noInputs,
    );
    expect(jsonBody(request)).toEqual({
      model: 'upstream-model',
      prompt: 'a lighthouse on a cliff at dawn',
      n: 3,
      num_inference_steps: 12,
      response_format: 'b64_json',
      output_format: 'jpeg',
      negative_prompt: 'lowres',
      guidance_scale: 4,
    });
    expect(request.warnings).toEqual([]);
  });

  it('sglang: sends the random seed it is given, unless the client chose one', () => {
    expect(jsonBody(buildOpenAICompatibleRequest(callFor('sglang'), { ...noInputs, randomSeed: 1234 }))['seed']).toBe(1234);
    expect(
      jsonBody(buildOpenAICompatibleRequest(callFor('sglang', { request: { extra: { seed: 5 } } }), { ...noInputs, randomSeed: 1234 }))[
        'seed'
      ],
    ).toBe(5);
    expect(jsonBody(buildOpenAICompatibleRequest(callFor('vllm'), { ...noInputs, randomSeed: 1234 }))['seed']).toBeUndefined();
  });

  it('deepinfra: b64_json, size as is; a quality it cannot apply is a warning', () => {
    const request = buildOpenAICompatibleRequest(
      callFor('deepinfra', { upstreamModel: 'stabilityai/sdxl-turbo', request: { size: { width: 512, height: 512 }, quality: 'high' } }),
      noInputs,
    );
    expect(request.url).toBe('https://api.deepinfra.com/v1/openai/images/generations');
    expect(jsonBody(request)).toEqual({
      model: 'stabilityai/sdxl-turbo',
      prompt: 'a lighthouse on a cliff at dawn',
      n: 1,
      size: '512x512',
      response_format: 'b64_json',
    });
    expect(request.warnings).toMatchObject([{ type: 'unsupported', setting: 'quality', provider: 'deepinfra' }]);
  });

  it('a route’s size list: another size becomes the nearest listed one, with a warning', () => {
    const options = { sizes: ['512x512', '1024x1024', '1024x768', '768x1024'] };
    const wide = buildOpenAICompatibleRequest(callFor('deepinfra', { request: { size: { width: 1344, height: 768 } }, options }), noInputs);
    expect(jsonBody(wide)['size']).toBe('1024x768');
    expect(wide.warnings).toEqual([
      {
        type: 'adapted',
        setting: 'size',
        provider: 'deepinfra',
        message: "1344x768 became 1024x768, the nearest size 'deepinfra' takes for this model.",
      },
    ]);
    const listed = buildOpenAICompatibleRequest(
      callFor('deepinfra', { request: { size: { width: 512, height: 512 } }, options }),
      noInputs,
    );
    expect([jsonBody(listed)['size'], listed.warnings]).toEqual(['512x512', []]);
  });

  it('settings override the response format; `none` omits it', () => {
    expect(
      jsonBody(buildOpenAICompatibleRequest(callFor('generic', { settings: { response_format: 'none' } }), noInputs)),
    ).not.toHaveProperty('response_format');
    expect(
      jsonBody(buildOpenAICompatibleRequest(callFor('localai', { settings: { response_format: 'url' } }), noInputs))['response_format'],
    ).toBe('url');
  });

  it('route `body` adds fixed fields, but never overrides the adapter’s own', () => {
    const request = buildOpenAICompatibleRequest(
      callFor('together', { options: { body: { disable_safety_checker: false, model: 'other' } } }),
      noInputs,
    );
    expect(jsonBody(request)).toMatchObject({ disable_safety_checker: false, model: 'upstream-model' });
  });
});

describe('buildOpenAICompatibleRequest: Azure', () => {
  it('classic deployment URL: api-version in the query, api-key header, no model, no response_format', () => {
    const request = buildOpenAICompatibleRequest(
      callFor('azure', { request: { size: { width: 1536, height: 1024 }, quality: 'medium', extra: { background: 'opaque' } } }),
      noInputs,
    );
    expect(request.url).toBe(
      'https://res.openai.azure.com/openai/deployments/gpt-image-1/images/generations?api-version=2025-04-01-preview',
    );
    expect(request.headers).toEqual({ 'api-key': API_KEY, 'content-type': 'application/json', accept: 'application/json' });
    expect(jsonBody(request)).toEqual({
      prompt: 'a lighthouse on a cliff at dawn',
      n: 1,
      size: '1536x1024',
      quality: 'medium',
      output_format: 'png',
      background: 'opaque',
    });
  });

  it('v1 API: OpenAI paths, the deployment as model, no api-version', () => {
    const request = buildOpenAICompatibleRequest(
      callFor('azure', { baseUrl: 'https://res.openai.azure.com/openai/v1', upstreamModel: 'img-prod' }),
      noInputs,
    );
    expect(request.url).toBe('https://res.openai.azure.com/openai/v1/images/generations');
    expect(jsonBody(request)['model']).toBe('img-prod');
  });

  it('resource root: the deployment setting, else the route model; api_version setting; Entra bearer', () => {
    const root = 'https://res.cognitiveservices.azure.com';
    expect(
      buildOpenAICompatibleRequest(
        callFor('azure', { baseUrl: root, settings: { deployment: 'img prod', api_version: '2024-02-01' } }),
        noInputs,
      ).url,
    ).toBe('https://res.cognitiveservices.azure.com/openai/deployments/img%20prod/images/generations?api-version=2024-02-01');
    const byModel = buildOpenAICompatibleRequest(
      callFor('azure', { baseUrl: `${root}/`, upstreamModel: 'gpt-image-1.5', settings: { auth: 'bearer' } }),
      noInputs,
    );
    expect(byModel.url).toBe(
      'https://res.cognitiveservices.azure.com/openai/deployments/gpt-image-1.5/images/generations?api-version=2025-04-01-preview',
    );
    expect(byModel.headers['authorization']).toBe(`Bearer ${API_KEY}`);
    expect(jsonBody(byModel)).not.toHaveProperty('model');
  });

  it('edits: multipart to the deployment, image[] for several, mask as given', () => {
    const request = buildOpenAICompatibleRequest(
      callFor('azure', { request: { images: [inputImage(), inputImage()], mask: inputImage() } }),
      { images: [imageOne, imageTwo], mask: maskBytes },
    );
    expect(request.url).toBe('https://res.openai.azure.com/openai/deployments/gpt-image-1/images/edits?api-version=2025-04-01-preview');
    expect(request.headers).toEqual({ 'api-key': API_KEY, accept: 'application/json' });
    expect(formFields(request)).toEqual([
      ['prompt', 'a lighthouse on a cliff at dawn'],
      ['n', '1'],
      ['output_format', 'png'],
      ['image[]', 'file:image-1.png:image/png:image-one'],
      ['image[]', 'file:image-2.jpg:image/jpeg:image-two'],
      ['mask', 'file:mask.png:image/png:mask-bytes'],
    ]);
  });
});

describe('buildOpenAICompatibleRequest: xAI', () => {
  it('a size from its table becomes that aspect ratio at 1k, without a warning; never `size`', () => {
    const request = buildOpenAICompatibleRequest(
      callFor('xai', { upstreamModel: 'grok-imagine-image', request: { size: { width: 1408, height: 768 }, extra: { user: 'u_42' } } }),
      noInputs,
    );
    expect(request.url).toBe('https://api.x.ai/v1/images/generations');
    expect(jsonBody(request)).toEqual({
      model: 'grok-imagine-image',
      prompt: 'a lighthouse on a cliff at dawn',
      n: 1,
      aspect_ratio: '16:9',
      resolution: '1k',
      response_format: 'b64_json',
      user: 'u_42',
    });
    expect(request.warnings).toEqual([]);
  });

  it('other sizes: nearest ratio, 2k above 1536 px, with an adapted warning', () => {
    const small = buildOpenAICompatibleRequest(callFor('xai', { request: { size: { width: 1000, height: 1000 } } }), noInputs);
    expect(jsonBody(small)).toMatchObject({ aspect_ratio: '1:1', resolution: '1k' });
    expect(small.warnings).toEqual([
      {
        type: 'adapted',
        setting: 'size',
        provider: 'xai',
        message: "1000x1000 became aspect_ratio 1:1 at 1k (1024x1024): 'xai' takes an aspect ratio, not a size.",
      },
    ]);
    const large = buildOpenAICompatibleRequest(callFor('xai', { request: { size: { width: 2048, height: 1152 } } }), noInputs);
    expect(jsonBody(large)).toMatchObject({ aspect_ratio: '16:9', resolution: '2k' });
    expect(large.warnings[0]?.message).toBe("2048x1152 became aspect_ratio 16:9 at 2k: 'xai' takes an aspect ratio, not a size.");
    expect(jsonBody(large)).not.toHaveProperty('size');
  });

  it('quality only where the route says the model takes it; style is dropped with a warning', () => {
    const plain = buildOpenAICompatibleRequest(callFor('xai', { request: { quality: 'high', extra: { style: 'vivid' } } }), noInputs);
    expect(jsonBody(plain)).not.toHaveProperty('quality');
    expect(plain.warnings.map((warning) => warning.setting)).toEqual(['quality', 'style']);
    const tiered = buildOpenAICompatibleRequest(
      callFor('xai', { request: { quality: 'medium' }, options: { quality_values: ['low', 'medium'] } }),
      noInputs,
    );
    expect(jsonBody(tiered)['quality']).toBe('medium');
  });

  it('a route without sizes drops the size with a warning', () => {
    const request = buildOpenAICompatibleRequest(
      callFor('xai', { request: { size: { width: 1024, height: 768 } }, options: { size_param: 'none' } }),
      noInputs,
    );
    expect(jsonBody(request)).not.toHaveProperty('aspect_ratio');
    expect(request.warnings).toMatchObject([{ type: 'unsupported', setting: 'size' }]);
  });
});

describe('buildOpenAICompatibleRequest: Together', () => {
  it('width/height in multiples of 8, base64 response, png for webp, quality as steps', () => {
    const request = buildOpenAICompatibleRequest(
      callFor('together', {
        upstreamModel: 'black-forest-labs/FLUX.1-schnell',
        n: 4,
        request: { size: { width: 1000, height: 750 }, quality: 'low', outputFormat: 'webp', extra: { seed: 9 } },
        options: { steps: { low: 2 } },
      }),
      noInputs,
    );
    expect(request.url).toBe('https://api.together.xyz/v1/images/generations');
    expect(jsonBody(request)).toEqual({
      model: 'black-forest-labs/FLUX.1-schnell',
      prompt: 'a lighthouse on a cliff at dawn',
      n: 4,
      width: 1000,
      height: 752,
      steps: 2,
      response_format: 'base64',
      output_format: 'png',
      seed: 9,
    });
    expect(request.warnings).toEqual([
      {
        type: 'adapted',
        setting: 'size',
        provider: 'together',
        message: "1000x750 became 1000x752: 'together' takes sizes in multiples of 8.",
      },
    ]);
  });
});

describe('configuration', () => {
  it('an unknown flavor or route option stops the boot, naming the instance or the option', () => {
    const servers = { 'office-gpu': { type: 'openai-compatible', base_url: 'http://10.0.0.5:8000/v1', settings: { flavor: 'dalle' } } };
    expect(() => resolveProviderInstances({}, servers, 'ops.yaml')).toThrow(/^ops\.yaml: providers\.office-gpu: settings\.flavor: /);
    expect(routeOptionProblems(openAICompatibleProvider, { stpes: { low: 1 } })).toEqual(['options.stpes: unknown field']);
  });

  it('images per upstream request: the flavor limit, the instance override, one for LocalAI inpainting', () => {
    const config = (flavor: string, settings: Record<string, unknown> = {}) => {
      const call = callFor(flavor, { settings });
      return resolveCallConfig(call.endpoint, call.options);
    };
    expect(imagesPerRequest(config('together'), false, false)).toBe(4);
    expect(imagesPerRequest(config('xai'), true, false)).toBe(10);
    expect(imagesPerRequest(config('generic', { max_images_per_request: 2 }), false, false)).toBe(2);
    expect(imagesPerRequest(config('localai'), true, true)).toBe(1);
    expect(imagesPerRequest(config('localai'), true, false)).toBe(10);
  });
});
