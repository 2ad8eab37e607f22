import { UpstreamError } from '../../errors/upstream-error.js';
import type { GenerationWarning } from '../../domain/image-request.js';
import { MIME_BY_FORMAT } from '../../domain/image-format.js';
import type { ProviderCall } from '../provider.js';
import type { PreparedImage } from '../common/input-image-conversion.js';
import { resolveCallConfig, type CallConfig, type OpenAICompatibleSettings, type RouteOptions } from './openai-compatible-config.js';
import { upstreamTarget, type UpstreamTarget } from './openai-compatible-endpoints.js';
import type { AuthStyle, ImageEncoding } from './openai-compatible-flavors.js';
import { translateParameters } from './openai-compatible-parameters.js';
import { stepsForQuality } from '../common/quality-steps.js';

export type { PreparedImage } from '../common/input-image-conversion.js';

export type OpenAICompatibleCall = ProviderCall<RouteOptions, OpenAICompatibleSettings>;

/** What the adapter prepared with sharp before building: the builder itself does no I/O. */
export interface PreparedInputs {
  images: PreparedImage[];
  /** The mask as a PNG in the flavor's convention, at the size of image 1. */
  mask: Buffer | undefined;
  /** A seed for flavors that would otherwise repeat themselves (SGLang). */
  randomSeed?: number;
}

/** One multipart field: text, or a file. */
export type FormValue = string | { bytes: Buffer; filename: string; contentType: string };

export type RequestBody = { type: 'json'; value: Record<string, unknown> } | { type: 'form'; fields: Array<[string, FormValue]> };

/** One upstream HTTP request, ready to send. */
export interface OpenAICompatibleHttpRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: RequestBody;
  warnings: GenerationWarning[];
}

/**
 * Builds the upstream request for one call (`call.n` images). Text-to-image is JSON to
 * `/images/generations` everywhere; input images go as the flavor takes them (multipart edits,
 * xAI's JSON edits, or image fields in the generations body), masks only where the upstream has them.
 */
export function buildOpenAICompatibleRequest(call: OpenAICompatibleCall, inputs: PreparedInputs): OpenAICompatibleHttpRequest {
  const config = resolveCallConfig(call.endpoint, call.options);
  const target = upstreamTarget(call.endpoint.baseUrl, call.upstreamModel, config);
  const provider = call.endpoint.instance;
  const headers = authHeaders(config.profile.auth, call.endpoint.apiKey);
  const translate = (omitSize = false) =>
    translateParameters({
      request: call.request,
      n: call.n,
      upstreamModel: call.upstreamModel,
      provider,
      config,
      modelInBody: target.modelInBody,
      randomSeed: inputs.randomSeed,
      omitSize,
    });

  if (inputs.images.length === 0) {
    const { fields, warnings } = translate();
    return jsonRequest(target.generationsUrl, headers, fields, warnings);
  }
  if (config.options.edits === false) throw routeCannotServe(provider, call.upstreamModel, 'takes no input images');
  if (call.request.mask && config.profile.maskConvention === undefined)
    throw routeCannotServe(provider, call.upstreamModel, 'takes no masks');

  switch (config.profile.edits) {
    case 'multipart': {
      const { fields, warnings } = translate();
      return formRequest(
        target.editsUrl,
        headers,
        [...textFields(fields), ...imageFiles(inputs, config.profile.multipartImageField)],
        warnings,
      );
    }
    case 'json-edits': {
      // One source image keeps its own aspect ratio on xAI; several follow `aspect_ratio`.
      const single = inputs.images.length === 1;
      const { fields, warnings } = translate(single);
      if (single && call.request.size !== 'auto') {
        warnings.push({
          type: 'unsupported',
          setting: 'size',
          provider,
          message: `'${provider}' keeps the input image's aspect ratio when editing one image; 'size' was not sent.`,
        });
      }
      const references = inputs.images.map((image) => ({ url: dataUri(image), type: 'image_url' }));
      return jsonRequest(
        target.editsUrl,
        headers,
        { ...fields, ...(single ? { image: references[0] } : { images: references }) },
        warnings,
      );
    }
    case 'json-generations':
      return inputs.mask
        ? inpaintingRequest(call, inputs, config, target, headers)
        : jsonImageRequest(call, inputs, config, target, headers, translate());
  }
}

/** Together `image_url` / `reference_images`, LocalAI `file` / `files`; a route may name another field. */
function jsonImageRequest(
  call: OpenAICompatibleCall,
  inputs: PreparedInputs,
  config: CallConfig,
  target: UpstreamTarget,
  headers: Record<string, string>,
  translated: { fields: Record<string, unknown>; warnings: GenerationWarning[] },
): OpenAICompatibleHttpRequest {
  const imageFields = config.profile.jsonImageFields ?? {
    single: 'image_url',
    multiple: 'reference_images',
    encoding: 'data-uri' as const,
  };
  const field = config.options.image_field ?? (inputs.images.length === 1 ? imageFields.single : imageFields.multiple);
  const encoded = inputs.images.map((image) => encodeImage(image, imageFields.encoding));
  if (field === imageFields.single && encoded.length > 1)
    throw routeCannotServe(call.endpoint.instance, call.upstreamModel, `takes one input image, not ${encoded.length}`);
  const value = field === imageFields.single ? encoded[0] : encoded;
  return jsonRequest(target.generationsUrl, headers, { ...translated.fields, [field]: value }, translated.warnings);
}

/**
 * LocalAI's `/images/inpainting`: multipart `model`, `prompt`, `steps`, `image`, `mask` (white =
 * repaint). It renders one 512x512 image per request and answers with a URL on the LocalAI host.
 */
function inpaintingRequest(
  call: OpenAICompatibleCall,
  inputs: PreparedInputs,
  config: CallConfig,
  target: UpstreamTarget,
  headers: Record<string, string>,
): OpenAICompatibleHttpRequest {
  const provider = call.endpoint.instance;
  const [image, ...others] = inputs.images;
  if (!image || !inputs.mask) throw new Error('inpainting needs an image and a mask');
  if (others.length > 0) throw routeCannotServe(provider, call.upstreamModel, `inpaints one image, not ${inputs.images.length}`);
  const warnings: GenerationWarning[] = [];
  const fields: Array<[string, FormValue]> = [
    ['model', call.upstreamModel],
    ['prompt', call.request.prompt ?? ''],
  ];
  const quality = call.request.quality;
  const steps = stepsForQuality(config.options.steps, quality);
  if (steps !== undefined) fields.push(['steps', String(steps)]);
  else if (quality !== 'auto')
    warnings.push({
      type: 'unsupported',
      setting: 'quality',
      provider,
      message: `'${provider}' has no quality setting for inpainting; quality '${quality}' was not applied.`,
    });
  if (call.request.size !== 'auto')
    warnings.push({
      type: 'unsupported',
      setting: 'size',
      provider,
      message: `'${provider}' inpaints at its fixed size; 'size' was not sent.`,
    });
  for (const name of Object.keys(call.request.extra)) {
    warnings.push({
      type: 'unsupported',
      setting: name,
      provider,
      message: `'${name}' is not supported by '${provider}' for inpainting and was not sent.`,
    });
  }
  fields.push(['image', imageFile(image, 'image-1')], ['mask', { bytes: inputs.mask, filename: 'mask.png', contentType: 'image/png' }]);
  return formRequest(target.inpaintingUrl, headers, fields, warnings);
}

/**
 * A request the model accepts but this route cannot carry (the model's capabilities are the union
 * of its routes'): `not_found`, so the router tries the model's next route instead of failing the
 * client's valid request.
 */
export function routeCannotServe(provider: string, upstreamModel: string, what: string): UpstreamError {
  return new UpstreamError({
    provider,
    kind: 'not_found',
    message: `The provider '${provider}' ${what} for '${upstreamModel}'; this request needs another route.`,
  });
}

/**
 * Images one upstream request may ask for: LocalAI's inpainting renders one per request, every
 * other request shape up to the flavor's (or the instance's) limit.
 */
export function imagesPerRequest(config: CallConfig, hasImages: boolean, hasMask: boolean): number {
  if (hasImages && hasMask && config.profile.edits === 'json-generations') return 1;
  return config.profile.maxImagesPerRequest;
}

/** The auth header of a key, in the flavor's style; servers without auth get none. */
export function authHeaders(style: AuthStyle, apiKey: string | undefined): Record<string, string> {
  if (!apiKey || style === 'none') return {};
  if (style === 'api-key') return { 'api-key': apiKey };
  if (style === 'x-api-key') return { 'x-api-key': apiKey };
  return { authorization: `Bearer ${apiKey}` };
}

function jsonRequest(
  url: string,
  headers: Record<string, string>,
  value: Record<string, unknown>,
  warnings: GenerationWarning[],
): OpenAICompatibleHttpRequest {
  return {
    url,
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json', accept: 'application/json' },
    body: { type: 'json', value },
    warnings,
  };
}

function formRequest(
  url: string,
  headers: Record<string, string>,
  fields: Array<[string, FormValue]>,
  warnings: GenerationWarning[],
): OpenAICompatibleHttpRequest {
  return { url, method: 'POST', headers: { ...headers, accept: 'application/json' }, body: { type: 'form', fields }, warnings };
}

/** Form values are text: numbers as digits, objects as JSON. */
function textFields(fields: Record<string, unknown>): Array<[string, FormValue]> {
  return Object.entries(fields)
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([name, value]) => [name, typeof value === 'object' ? JSON.stringify(value) : String(value)]);
}

/** OpenAI's edit form: one image as `image`, several as `image[]` (or `image` repeated), then `mask`. */
function imageFiles(inputs: PreparedInputs, multipleField: 'image[]' | 'image'): Array<[string, FormValue]> {
  const field = inputs.images.length === 1 ? 'image' : multipleField;
  const files: Array<[string, FormValue]> = inputs.images.map((image, index) => [field, imageFile(image, `image-${index + 1}`)]);
  if (inputs.mask) files.push(['mask', { bytes: inputs.mask, filename: 'mask.png', contentType: 'image/png' }]);
  return files;
}

function imageFile(image: PreparedImage, name: string): FormValue {
  return {
    bytes: image.bytes,
    filename: `${name}.${image.format === 'jpeg' ? 'jpg' : image.format}`,
    contentType: MIME_BY_FORMAT[image.format],
  };
}

function encodeImage(image: PreparedImage, encoding: ImageEncoding): string {
  return encoding === 'data-uri' ? dataUri(image) : image.bytes.toString('base64');
}

function dataUri(image: PreparedImage): string {
  return `data:${MIME_BY_FORMAT[image.format]};base64,${image.bytes.toString('base64')}`;
}
