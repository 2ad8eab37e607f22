import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../../src/errors/upstream-error.js';
import { buildOpenAICompatibleRequest } from '../../../../src/providers/openai-compatible/openai-compatible-request.js';
import { thrownApiError } from '../../../helpers/caught-error.js';
import {
  API_KEY,
  callFor,
  dataUriOf,
  formFields,
  imageOne,
  imageThree,
  imageTwo,
  inputImage,
  jsonBody,
  jsonHeaders,
  maskBytes,
  noInputs,
} from './openai-compatible-fixtures.js';

describe('buildOpenAICompatibleRequest: xAI edits', () => {
  it('edits are JSON with data URIs: one image as `image` (keeps its ratio), several as `images`', () => {
    const single = buildOpenAICompatibleRequest(
      callFor('xai', { request: { images: [inputImage()], size: { width: 1024, height: 1024 } } }),
      { images: [imageOne], mask: undefined },
    );
    expect(single.url).toBe('https://api.x.ai/v1/images/edits');
    expect(single.headers).toEqual(jsonHeaders);
    expect(jsonBody(single)).toEqual({
      model: 'upstream-model',
      prompt: 'a lighthouse on a cliff at dawn',
      n: 1,
      response_format: 'b64_json',
      image: { url: dataUriOf(imageOne), type: 'image_url' },
    });
    expect(single.warnings).toMatchObject([{ type: 'unsupported', setting: 'size' }]);
    const several = buildOpenAICompatibleRequest(
      callFor('xai', { request: { images: [inputImage(), inputImage(), inputImage()], size: { width: 1024, height: 1024 } } }),
      {
        images: [imageOne, imageTwo, imageThree],
        mask: undefined,
      },
    );
    expect(jsonBody(several)).toMatchObject({
      aspect_ratio: '1:1',
      images: [imageOne, imageTwo, imageThree].map((image) => ({ url: dataUriOf(image), type: 'image_url' })),
    });
    expect(jsonBody(several)).not.toHaveProperty('image');
  });

  it('cannot carry a mask (xAI edits by prompt only): not_found, so the model’s next route gets it', () => {
    const error = thrownApiError(() =>
      buildOpenAICompatibleRequest(callFor('xai', { request: { images: [inputImage()], mask: inputImage() } }), {
        images: [imageOne],
        mask: undefined,
      }),
    );
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.kind).toBe('not_found');
    expect(error.message).toBe("The provider 'xai' takes no masks for 'upstream-model'; this request needs another route.");
  });
});

describe('buildOpenAICompatibleRequest: Together images', () => {
  it('one image goes as image_url, several as reference_images; a route can ask for reference_images', () => {
    const kontext = buildOpenAICompatibleRequest(callFor('together', { request: { images: [inputImage()] } }), {
      images: [imageOne],
      mask: undefined,
    });
    expect(kontext.url).toBe('https://api.together.xyz/v1/images/generations');
    expect(jsonBody(kontext)['image_url']).toBe(dataUriOf(imageOne));
    const several = buildOpenAICompatibleRequest(callFor('together', { request: { images: [inputImage(), inputImage()] } }), {
      images: [imageOne, imageTwo],
      mask: undefined,
    });
    expect(jsonBody(several)['reference_images']).toEqual([dataUriOf(imageOne), dataUriOf(imageTwo)]);
    const routed = buildOpenAICompatibleRequest(
      callFor('together', { request: { images: [inputImage()] }, options: { image_field: 'reference_images' } }),
      { images: [imageOne], mask: undefined },
    );
    expect(jsonBody(routed)['reference_images']).toEqual([dataUriOf(imageOne)]);
    expect(jsonBody(routed)).not.toHaveProperty('image_url');
  });

  it('several images for a single-image field (Kontext): the next route must serve them', () => {
    const error = thrownApiError(() =>
      buildOpenAICompatibleRequest(
        callFor('together', { request: { images: [inputImage(), inputImage()] }, options: { image_field: 'image_url' } }),
        { images: [imageOne, imageTwo], mask: undefined },
      ),
    );
    expect(error.kind).toBe('not_found');
    expect(error.message).toContain('takes one input image, not 2');
  });

  it('a route with `edits: false` hands edits to the next route', () => {
    const error = thrownApiError(() =>
      buildOpenAICompatibleRequest(callFor('together', { request: { images: [inputImage()] }, options: { edits: false } }), {
        images: [imageOne],
        mask: undefined,
      }),
    );
    expect(error.kind).toBe('not_found');
    expect(buildOpenAICompatibleRequest(callFor('together', { options: { edits: false } }), noInputs).url).toBe(
      'https://api.together.xyz/v1/images/generations',
    );
  });
});

describe('buildOpenAICompatibleRequest: multipart edits', () => {
  it('generic: one image as `image`, text fields as strings, mask', () => {
    const request = buildOpenAICompatibleRequest(
      callFor('generic', {
        request: { images: [inputImage()], mask: inputImage(), size: { width: 1024, height: 1024 }, extra: { input_fidelity: 'high' } },
      }),
      { images: [imageOne], mask: maskBytes },
    );
    expect(request.url).toBe('http://images.internal:9000/v1/images/edits');
    expect(request.headers).toEqual({ authorization: `Bearer ${API_KEY}`, accept: 'application/json' });
    expect(formFields(request)).toEqual([
      ['model', 'upstream-model'],
      ['prompt', 'a lighthouse on a cliff at dawn'],
      ['n', '1'],
      ['size', '1024x1024'],
      ['response_format', 'b64_json'],
      ['output_format', 'png'],
      ['input_fidelity', 'high'],
      ['image', 'file:image-1.png:image/png:image-one'],
      ['mask', 'file:mask.png:image/png:mask-bytes'],
    ]);
  });

  it('deepinfra repeats `image` for several images', () => {
    const request = buildOpenAICompatibleRequest(callFor('deepinfra', { request: { images: [inputImage(), inputImage()] } }), {
      images: [imageOne, imageTwo],
      mask: undefined,
    });
    expect(request.url).toBe('https://api.deepinfra.com/v1/openai/images/edits');
    expect(formFields(request).filter(([name]) => name.startsWith('image'))).toEqual([
      ['image', 'file:image-1.png:image/png:image-one'],
      ['image', 'file:image-2.jpg:image/jpeg:image-two'],
    ]);
  });
});

describe('buildOpenAICompatibleRequest: LocalAI images', () => {
  it('img2img rides on generations: `file` raw base64 for one, `files` for several', () => {
    const single = buildOpenAICompatibleRequest(callFor('localai', { request: { images: [inputImage()] } }), {
      images: [imageOne],
      mask: undefined,
    });
    expect(single.url).toBe('http://localai:8080/v1/images/generations');
    expect(jsonBody(single)['file']).toBe(imageOne.bytes.toString('base64'));
    const several = buildOpenAICompatibleRequest(callFor('localai', { request: { images: [inputImage(), inputImage()] } }), {
      images: [imageOne, imageTwo],
      mask: undefined,
    });
    expect(jsonBody(several)['files']).toEqual([imageOne.bytes.toString('base64'), imageTwo.bytes.toString('base64')]);
  });

  it('a mask goes to /images/inpainting: model, prompt, steps, image, mask; size and extras reported', () => {
    const request = buildOpenAICompatibleRequest(
      callFor('localai', {
        request: {
          prompt: 'a | b',
          images: [inputImage()],
          mask: inputImage(),
          quality: 'high',
          size: { width: 768, height: 768 },
          extra: { seed: 1 },
        },
        options: { steps: { high: 40 } },
      }),
      { images: [imageOne], mask: maskBytes },
    );
    expect(request.url).toBe('http://localai:8080/v1/images/inpainting');
    expect(formFields(request)).toEqual([
      ['model', 'upstream-model'],
      ['prompt', 'a | b'],
      ['steps', '40'],
      ['image', 'file:image-1.png:image/png:image-one'],
      ['mask', 'file:mask.png:image/png:mask-bytes'],
    ]);
    expect(request.warnings.map((warning) => [warning.type, warning.setting])).toEqual([
      ['unsupported', 'size'],
      ['unsupported', 'seed'],
    ]);
  });

  it('inpaints one image only', () => {
    const error = thrownApiError(() =>
      buildOpenAICompatibleRequest(callFor('localai', { request: { images: [inputImage(), inputImage()], mask: inputImage() } }), {
        images: [imageOne, imageTwo],
        mask: maskBytes,
      }),
    );
    expect(error.kind).toBe('not_found');
  });
});
