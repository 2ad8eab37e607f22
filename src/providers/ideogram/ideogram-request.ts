import { invalidParam } from '../../errors/api-error.js';
import type { GenerationWarning, ImageRequest, ImageSize } from '../../domain/image-request.js';
import { MIME_BY_FORMAT, type ImageFormat } from '../../domain/image-format.js';
import type { ProviderCall, ProviderEndpoint } from '../provider.js';
import type { PreparedImage } from '../common/input-image-conversion.js';
import { nearestAspectRatio } from '../common/size-mapping.js';
import { readIdeogramParameters, renderingSpeedFor, type IdeogramParameters } from './ideogram-parameters.js';
import type { IdeogramRouteOptions, IdeogramSettings } from './ideogram-route-options.js';
import type { MultipartField } from '../common/multipart-form.js';

export type IdeogramCall = ProviderCall<IdeogramRouteOptions, IdeogramSettings>;

/** What the adapter prepares with sharp before building the request (the builder does no I/O). */
export interface IdeogramPreparedInputs {
  images: PreparedImage[];
  /** The client mask in Ideogram's convention (black = edit) at image 1's size, as a PNG. */
  mask: Buffer | undefined;
}

/** The outgoing request, exactly as it goes on the wire: always multipart, even for text only. */
export interface IdeogramRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  fields: MultipartField[];
  warnings: GenerationWarning[];
  /** Images this request asks for: `call.n`, capped at what one call may return. */
  n: number;
}

/** Uploads (image, mask) are refused above 10 MB each. */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

const EXTENSIONS: Partial<Record<ImageFormat, string>> = { png: 'png', jpeg: 'jpg', webp: 'webp' };
const NO_INPUTS: IdeogramPreparedInputs = { images: [], mask: undefined };

/**
 * Builds one V3 request: `generate` for text to image, `remix` for an image without a mask,
 * `inpaint` for an image and a mask. Pure: no network, no image decoding.
 */
export function buildIdeogramRequest(call: IdeogramCall, inputs: IdeogramPreparedInputs = NO_INPUTS): IdeogramRequest {
  const { request, options } = call;
  const provider = call.endpoint.instance;
  if (inputs.images.length !== request.images.length || (request.mask !== undefined) !== (inputs.mask !== undefined)) {
    throw new Error('buildIdeogramRequest: every input image and the mask must be prepared first');
  }
  if (!request.prompt) throw invalidParam('prompt', 'Ideogram needs a prompt.');
  if (request.images.length > 1) {
    throw invalidParam('image[]', `Ideogram edits one image at a time; ${request.images.length} were sent.`);
  }
  checkUploadSizes(inputs);

  const warnings: GenerationWarning[] = [];
  const n = Math.min(call.n, options.maxImagesPerCall);
  const parameters = readIdeogramParameters(request.extra, options);
  const common: MultipartField[] = [
    { name: 'prompt', value: request.prompt },
    { name: 'rendering_speed', value: renderingSpeedFor(provider, options, request.quality, warnings) },
    { name: 'num_images', value: String(n) },
  ];
  const image = inputs.images[0];
  // The model is the path segment (`/v1/ideogram-v3/generate`): these routes take no `model` field.
  const base = `${call.endpoint.baseUrl}/v1/${encodeURIComponent(call.upstreamModel)}`;
  const send = (path: string, fields: MultipartField[]): IdeogramRequest => ({
    url: `${base}/${path}`,
    method: 'POST',
    headers: ideogramHeaders(call.endpoint),
    fields,
    warnings,
    n,
  });

  if (image && inputs.mask) {
    // The result takes the image's size: a requested size has nothing to act on.
    if (request.size !== 'auto') warnings.push(ignored(provider, 'size', 'Ideogram inpainting keeps the size of the input image'));
    if (parameters.negative_prompt !== undefined) {
      warnings.push(ignored(provider, 'negative_prompt', 'Ideogram inpainting takes no negative prompt'));
    }
    if (parameters.image_weight !== undefined) warnings.push(ignored(provider, 'image_weight', "'image_weight' applies to remixes only"));
    return send('inpaint', [
      ...common,
      imageField('image', image.bytes, image.format),
      imageField('mask', inputs.mask, 'png'),
      ...textFields(parameters, ['seed', 'magic_prompt', 'style_type']),
    ]);
  }

  const aspect = aspectRatioField(provider, request, options, image, warnings);
  if (image) {
    return send('remix', [
      ...common,
      imageField('image', image.bytes, image.format),
      { name: 'image_weight', value: String(parameters.image_weight ?? options.imageWeight) },
      ...aspect,
      ...textFields(parameters, ['seed', 'magic_prompt', 'style_type', 'negative_prompt']),
    ]);
  }
  if (parameters.image_weight !== undefined) warnings.push(ignored(provider, 'image_weight', "'image_weight' applies to remixes only"));
  return send('generate', [...common, ...aspect, ...textFields(parameters, ['seed', 'magic_prompt', 'style_type', 'negative_prompt'])]);
}

/** Ideogram's key header: `Api-Key`, not `Authorization`. */
export function ideogramHeaders(endpoint: Pick<ProviderEndpoint, 'apiKey'>): Record<string, string> {
  return endpoint.apiKey ? { 'api-key': endpoint.apiKey } : {};
}

/**
 * `size` as Ideogram's nearest aspect ratio (`16x9`). Ideogram picks the pixels itself, so only a
 * ratio that differs from the request's is reported. A remix without a size follows its image.
 */
function aspectRatioField(
  provider: string,
  request: ImageRequest,
  options: IdeogramRouteOptions,
  image: PreparedImage | undefined,
  warnings: GenerationWarning[],
): MultipartField[] {
  const size: ImageSize | undefined = request.size !== 'auto' ? request.size : image ? request.images[0] : undefined;
  if (!size) return [];
  const allowed = options.aspectRatios.map((ratio) => ratio.replace('x', ':'));
  const nearest = nearestAspectRatio(size, allowed);
  const [width, height] = nearest.split(':').map(Number);
  if (request.size !== 'auto' && width! * size.height !== height! * size.width) {
    warnings.push({
      type: 'adapted',
      setting: 'size',
      provider,
      message: `Ideogram takes aspect ratios, not pixel sizes; ${size.width}x${size.height} was sent as the nearest ratio, ${nearest}.`,
    });
  }
  return [{ name: 'aspect_ratio', value: nearest.replace(':', 'x') }];
}

function checkUploadSizes(inputs: IdeogramPreparedInputs): void {
  const image = inputs.images[0];
  if (image && image.bytes.length > MAX_UPLOAD_BYTES) {
    throw invalidParam('image[]', `The image is ${image.bytes.length} bytes as ${image.format}; Ideogram takes images up to 10 MB.`);
  }
  if (inputs.mask && inputs.mask.length > MAX_UPLOAD_BYTES) {
    throw invalidParam('mask', `The mask is ${inputs.mask.length} bytes as a PNG; Ideogram takes masks up to 10 MB.`);
  }
}

function imageField(name: 'image' | 'mask', bytes: Buffer, format: ImageFormat): MultipartField {
  return { name, file: { bytes, filename: `${name}.${EXTENSIONS[format] ?? 'png'}`, contentType: MIME_BY_FORMAT[format] } };
}

function textFields(parameters: IdeogramParameters, names: ReadonlyArray<keyof IdeogramParameters>): MultipartField[] {
  return names.flatMap((name) => (parameters[name] === undefined ? [] : [{ name, value: String(parameters[name]) }]));
}

function ignored(provider: string, setting: string, reason: string): GenerationWarning {
  return { type: 'unsupported', setting, provider, message: `${reason}; '${setting}' was not sent.` };
}
