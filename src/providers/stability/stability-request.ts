import { invalidParam } from '../../errors/api-error.js';
import type { GenerationWarning, ImageRequest } from '../../domain/image-request.js';
import { MIME_BY_FORMAT, type ImageFormat } from '../../domain/image-format.js';
import type { ProviderCall } from '../provider.js';
import { nearestAspectRatio, parseAspectRatio } from '../common/size-mapping.js';
import { stabilityParameterFields, strengthParam, textParam } from './stability-parameters.js';
import type { StabilityOutputFormat, StabilityRouteOptions, StabilitySettings } from './stability-route-options.js';
import type { MultipartField } from '../common/multipart-form.js';

export type StabilityCall = ProviderCall<StabilityRouteOptions, StabilitySettings>;

/** The nine ratios v2beta generation takes. */
export const STABILITY_ASPECT_RATIOS = ['21:9', '16:9', '3:2', '5:4', '1:1', '4:5', '2:3', '9:16', '9:21'] as const;
const MAX_PROMPT_LENGTH = 10_000;

/** An input image as the adapter prepared it (EXIF applied, PNG/JPEG/WebP). */
export interface StabilityPreparedImage {
  bytes: Buffer;
  format: ImageFormat;
  /** Without a mask, Stability edits the transparent pixels. */
  hasAlpha: boolean;
}

export interface StabilityPreparedInputs {
  images: StabilityPreparedImage[];
  /** The client mask converted to Stability's convention (grayscale, white = edit) at image 1's size. */
  mask: Buffer | undefined;
}

/** One request exactly as it goes on the wire: always multipart, even for text only. */
export interface StabilityRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  fields: MultipartField[];
  warnings: GenerationWarning[];
}

export const NO_STABILITY_INPUTS: StabilityPreparedInputs = { images: [], mask: undefined };

/**
 * Builds `POST {base}/v2beta/stable-image/{path}` for one image (v2beta has no `n`). Asks for JSON
 * (`{image, finish_reason, seed}`): a filtered result is then visible in the body, and a cut-off
 * body fails to parse instead of passing for an image. Pure: no network, no image decoding.
 */
export function buildStabilityRequest(call: StabilityCall, inputs: StabilityPreparedInputs = NO_STABILITY_INPUTS): StabilityRequest {
  const provider = call.endpoint.instance;
  const { options, request } = call;
  const warnings: GenerationWarning[] = [];
  const fields: MultipartField[] = [];
  const text = (name: string, value: string) => fields.push({ name, value });

  if (options.prompt === 'required') {
    if (!request.prompt) throw invalidParam('prompt', `${options.title} needs a prompt.`);
    text('prompt', textParam('prompt', request.prompt, MAX_PROMPT_LENGTH));
  } else if (request.prompt) {
    warnings.push(unsupported(provider, 'prompt', `${options.title} takes no prompt; it was ignored.`));
  }
  if (options.modelField) text('model', call.upstreamModel);
  const image = imageFields(call, inputs, fields, warnings);
  if (options.searchPrompt) {
    const search = request.extra['search_prompt'];
    if (search === undefined) throw invalidParam('search_prompt', `${options.title} needs 'search_prompt': what to find in the image.`);
    text('search_prompt', textParam('search_prompt', search, MAX_PROMPT_LENGTH));
  }
  const ratio = aspectRatioField(provider, options, request, image, warnings);
  if (ratio) text('aspect_ratio', ratio);
  const parameters = stabilityParameterFields(provider, options, request.extra);
  for (const [name, value] of parameters.fields) text(name, value);
  text('output_format', outputFormat(options, request.outputFormat));

  const headers: Record<string, string> = { accept: 'application/json' };
  if (call.endpoint.apiKey) headers['authorization'] = `Bearer ${call.endpoint.apiKey}`;
  return {
    url: `${call.endpoint.baseUrl}/v2beta/stable-image/${options.path}`,
    method: 'POST',
    headers,
    fields,
    warnings: [...warnings, ...parameters.warnings],
  };
}

/** The requested format where the endpoint writes it, else its first (the gateway converts). */
export function outputFormat(options: StabilityRouteOptions, requested: string): StabilityOutputFormat {
  const match = options.outputFormats.find((format) => format === requested);
  return match ?? options.outputFormats[0] ?? 'png';
}

/** Adds the image (and mask, strength, mode) fields; returns whether an image was sent. */
function imageFields(
  call: StabilityCall,
  inputs: StabilityPreparedInputs,
  fields: MultipartField[],
  warnings: GenerationWarning[],
): boolean {
  const { options, request } = call;
  const provider = call.endpoint.instance;
  const [image, ...others] = inputs.images;
  if (others.length > 0) throw invalidParam('image[]', `${options.title} takes one input image; ${inputs.images.length} were sent.`);
  if (options.image === 'none') {
    if (image) throw invalidParam('image[]', `${options.title} does not accept input images.`);
  }
  if (options.image === 'edit' && !image) throw invalidParam('image[]', `${options.title} needs an image to edit.`);
  if (inputs.mask && !options.mask) throw invalidParam('mask', `${options.title} does not take a mask.`);
  const strength = request.extra['strength'];
  if (!image || options.image === 'edit' || options.image === 'none') {
    if (strength !== undefined) {
      warnings.push(
        unsupported(provider, 'strength', `${options.title} takes 'strength' only with an image to transform; it was ignored.`),
      );
    }
  }
  if (!image) return false;

  if (options.image === 'mode') fields.push({ name: 'mode', value: 'image-to-image' });
  fields.push({ name: 'image', file: fileOf(image.bytes, image.format, 'image') });
  if (options.image === 'strength' || options.image === 'mode') {
    if (strength !== undefined) {
      fields.push({ name: 'strength', value: strengthParam(strength) });
    } else {
      const fallback = options.defaultStrength ?? 0.5;
      fields.push({ name: 'strength', value: String(fallback) });
      warnings.push({
        type: 'adapted',
        setting: 'strength',
        provider,
        message: `${options.title} needs 'strength' (0 keeps the input image, 1 ignores it) with an image; ${fallback} was sent.`,
      });
    }
  }
  if (options.mask) {
    if (inputs.mask) fields.push({ name: 'mask', file: fileOf(inputs.mask, 'png', 'mask') });
    else if (!image.hasAlpha) {
      throw invalidParam('mask', `${options.title} needs a mask, or an image whose transparent pixels mark the area to edit.`);
    }
  }
  return true;
}

/**
 * v2beta takes no pixel size: a size becomes the nearest of its nine ratios (Stability picks the
 * pixels, about one megapixel). With an input image the output follows the image, so no ratio is sent.
 */
function aspectRatioField(
  provider: string,
  options: StabilityRouteOptions,
  request: ImageRequest,
  hasImage: boolean,
  warnings: GenerationWarning[],
): string | undefined {
  if (request.size === 'auto') return undefined;
  const asked = `${request.size.width}x${request.size.height}`;
  if (!options.aspectRatio || hasImage) {
    warnings.push({
      type: 'unsupported',
      setting: 'size',
      provider,
      message: `${options.title} ${hasImage ? 'keeps the input image size' : 'picks its own output size'}; size ${asked} was ignored.`,
    });
    return undefined;
  }
  const ratio = nearestAspectRatio(request.size, STABILITY_ASPECT_RATIOS);
  const { width, height } = parseAspectRatio(ratio);
  if (Math.abs(width / height - request.size.width / request.size.height) > 0.01) {
    warnings.push({
      type: 'adapted',
      setting: 'size',
      provider,
      message: `${options.title} takes aspect ratios, not sizes: size ${asked} was sent as the nearest, ${ratio}.`,
    });
  }
  return ratio;
}

function fileOf(bytes: Buffer, format: ImageFormat, name: string): { bytes: Buffer; filename: string; contentType: string } {
  return { bytes, filename: `${name}.${format === 'jpeg' ? 'jpg' : format}`, contentType: MIME_BY_FORMAT[format] };
}

function unsupported(provider: string, setting: string, message: string): GenerationWarning {
  return { type: 'unsupported', setting, provider, message };
}
