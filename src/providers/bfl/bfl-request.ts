import { invalidParam } from '../../errors/api-error.js';
import type { GenerationWarning } from '../../domain/image-request.js';
import type { OutputFormat } from '../../domain/image-format.js';
import type { ProviderCall } from '../provider.js';
import type { BflModelSpec, BflRouteOptions, BflSettings } from './bfl-route-options.js';
import { bflParameterFields } from './bfl-parameters.js';
import { bflSizeFields } from './bfl-size.js';

/** An input image as the adapter prepared it (EXIF applied, in a format BFL reads). */
export interface BflPreparedImage {
  bytes: Buffer;
  width: number;
  height: number;
  /** Fill reads transparent pixels as the area to edit when no mask is sent. */
  hasAlpha: boolean;
}

export interface BflPreparedInputs {
  images: BflPreparedImage[];
  /** The client mask already converted to BFL's convention (white = edit) at the image's size. */
  mask: Buffer | undefined;
}

/** One submit request: `POST {base}/{endpoint}` with a JSON body. */
export interface BflRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: Record<string, unknown>;
  warnings: GenerationWarning[];
}

/**
 * Builds the submit request for one task (one image). Pure: images arrive prepared, as bytes,
 * and leave as raw base64 strings (no `data:` prefix, as BFL's own clients send them).
 */
export function buildBflRequest(call: ProviderCall<BflRouteOptions, BflSettings>, inputs: BflPreparedInputs): BflRequest {
  const provider = call.endpoint.instance;
  const { spec } = call.options;
  const { request } = call;
  if (spec.promptRequired && !request.prompt) throw invalidParam('prompt', `${spec.title} needs a prompt.`);
  const first = inputs.images[0];
  const size = bflSizeFields(provider, spec, request.size, first ? { width: first.width, height: first.height } : undefined);
  const parameters = bflParameterFields(provider, spec, request.extra, request.quality);
  const body: Record<string, unknown> = {
    ...(request.prompt === undefined ? {} : { prompt: request.prompt }),
    ...imageFields(spec, inputs),
    ...size.fields,
    ...parameters.fields,
    output_format: bflOutputFormat(request.outputFormat),
  };
  return {
    url: `${call.endpoint.baseUrl}/${encodeURIComponent(call.upstreamModel)}`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(call.endpoint.apiKey ? { 'x-key': call.endpoint.apiKey } : {}) },
    body,
    warnings: [...size.warnings, ...parameters.warnings],
  };
}

/**
 * BFL writes JPEG or PNG (not every endpoint takes `webp`). A WebP request gets PNG, which the
 * gateway converts without a second lossy step.
 */
export function bflOutputFormat(requested: OutputFormat): 'jpeg' | 'png' {
  return requested === 'jpeg' ? 'jpeg' : 'png';
}

function imageFields(spec: BflModelSpec, inputs: BflPreparedInputs): Record<string, string> {
  const { images, mask } = inputs;
  if (spec.imageField === undefined) {
    if (images.length > 0) throw invalidParam('image[]', `${spec.title} does not accept input images.`);
    return {};
  }
  if (images.length > spec.maxInputImages) {
    throw invalidParam('image[]', `${spec.title} accepts at most ${spec.maxInputImages} input image(s); ${images.length} were sent.`);
  }
  if (!spec.mask) {
    if (mask) throw invalidParam('mask', `${spec.title} does not support masks.`);
    // input_image, input_image_2, … input_image_8
    return Object.fromEntries(
      images.map((image, index) => [index === 0 ? spec.imageField : `${spec.imageField}_${index + 1}`, image.bytes.toString('base64')]),
    );
  }
  return fillFields(spec, images[0], mask);
}

/** Fill edits one image: the white areas of `mask`, or its transparent pixels when no mask is sent. */
function fillFields(spec: BflModelSpec, image: BflPreparedImage | undefined, mask: Buffer | undefined): Record<string, string> {
  if (!image) throw invalidParam('image[]', `${spec.title} needs an image to edit.`);
  if (!mask && !image.hasAlpha) {
    throw invalidParam('mask', `${spec.title} needs a mask, or an image whose transparent pixels mark the area to edit.`);
  }
  return { image: image.bytes.toString('base64'), ...(mask ? { mask: mask.toString('base64') } : {}) };
}
