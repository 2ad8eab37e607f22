import { invalidParam } from '../../errors/api-error.js';
import type { GenerationWarning, ImageRequest } from '../../domain/image-request.js';
import { MIME_BY_FORMAT, type ImageFormat } from '../../domain/image-format.js';
import type { ProviderCall, ProviderEndpoint } from '../provider.js';
import type { PreparedImage } from '../common/input-image-conversion.js';
import { formatSize, nearestSize } from '../common/size-mapping.js';
import type { RecraftRouteOptions, RecraftSettings } from './recraft-route-options.js';
import type { MultipartField } from '../common/multipart-form.js';

export type RecraftCall = ProviderCall<RecraftRouteOptions, RecraftSettings>;

/** What the adapter prepares with sharp before building the request (the builder does no I/O). */
export interface RecraftPreparedInputs {
  images: PreparedImage[];
  /** The client mask as Recraft wants it (pure white = change, pure black = keep) at image 1's size, as a PNG. */
  mask: Buffer | undefined;
}

/** The outgoing request, exactly as it goes on the wire: JSON for text to image, multipart with images. */
export type RecraftRequest = {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  warnings: GenerationWarning[];
  /** Images this request asks for: `call.n`, capped at what one call may return. */
  n: number;
} & ({ json: Record<string, unknown> } | { fields: MultipartField[] });

/** Recraft refuses input files above 10 MB. */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
/** `random_seed` is an unsigned 32-bit integer. */
export const MAX_SEED = 4_294_967_295;

const EXTENSIONS: Partial<Record<ImageFormat, string>> = { png: 'png', jpeg: 'jpg', webp: 'webp' };
const NO_INPUTS: RecraftPreparedInputs = { images: [], mask: undefined };

/**
 * Builds one request: `images/generations` (JSON) for text to image, `images/imageToImage` for an
 * image without a mask, `images/inpaint` for an image and a mask (multipart). Results are asked as
 * `b64_json`: Recraft's URLs live about a day, and the bytes then need no second round trip.
 */
export function buildRecraftRequest(call: RecraftCall, inputs: RecraftPreparedInputs = NO_INPUTS): RecraftRequest {
  const { request, options } = call;
  const provider = call.endpoint.instance;
  if (inputs.images.length !== request.images.length || (request.mask !== undefined) !== (inputs.mask !== undefined)) {
    throw new Error('buildRecraftRequest: every input image and the mask must be prepared first');
  }
  // A vector model answers SVG and nothing else: a raster format would mean rasterising it, which the gateway never does.
  const vector = isRecraftVectorModel(call.upstreamModel);
  if (vector !== (request.outputFormat === 'svg')) {
    throw invalidParam(
      'output_format',
      vector
        ? `Recraft's '${call.upstreamModel}' answers SVG only; '${request.outputFormat}' was asked.`
        : `Recraft's '${call.upstreamModel}' draws raster images; 'svg' needs one of its vector models.`,
    );
  }
  if (!request.prompt) throw invalidParam('prompt', 'Recraft needs a prompt.');
  if (request.prompt.length > options.maxPromptLength) {
    throw invalidParam(
      'prompt',
      `This Recraft model takes prompts up to ${options.maxPromptLength} characters; got ${request.prompt.length}.`,
    );
  }
  if (request.images.length > 1) throw invalidParam('image[]', `Recraft edits one image at a time; ${request.images.length} were sent.`);
  checkUploadSizes(inputs);

  const warnings: GenerationWarning[] = [];
  const n = Math.min(call.n, options.maxImagesPerCall);
  const parameters = readParameters(provider, request.extra, options, warnings);
  if (request.quality !== 'auto') {
    warnings.push(ignored(provider, 'quality', 'Recraft has no quality setting; each model has one tier'));
  }
  const common: Record<string, string | number> = { prompt: request.prompt, model: call.upstreamModel, n, ...parameters };
  const headers = recraftHeaders(call.endpoint);
  const base = call.endpoint.baseUrl;
  const image = inputs.images[0];

  if (image) {
    // Both image endpoints answer at the input's size: a requested size has nothing to act on.
    if (request.size !== 'auto') warnings.push(ignored(provider, 'size', 'Recraft keeps the size of the input image'));
    const imageFile = fileField('image', image.bytes, image.format);
    if (inputs.mask) {
      if (!options.inpaint) throw invalidParam('mask', `Recraft's '${call.upstreamModel}' cannot inpaint (only Recraft V3 can).`);
      const fields = [imageFile, fileField('mask', inputs.mask, 'png'), ...textFields({ ...common, response_format: 'b64_json' })];
      return { url: `${base}/images/inpaint`, method: 'POST', headers, fields, warnings, n };
    }
    if (!options.imageToImage) {
      throw invalidParam('image[]', `Recraft's '${call.upstreamModel}' has no image-to-image endpoint; send a prompt only.`);
    }
    const strength = readStrength(request.extra['strength']) ?? options.strength;
    const fields = [imageFile, ...textFields({ ...common, strength, response_format: 'b64_json' })];
    return { url: `${base}/images/imageToImage`, method: 'POST', headers, fields, warnings, n };
  }

  const json: Record<string, unknown> = { ...common, response_format: 'b64_json' };
  if (request.size !== 'auto') json['size'] = sizeFor(provider, request, options, warnings);
  return {
    url: `${base}/images/generations`,
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    json,
    warnings,
    n,
  };
}

/** Recraft names its vector (SVG) models `…_vector`. */
export function isRecraftVectorModel(upstreamModel: string): boolean {
  return upstreamModel.endsWith('_vector');
}

/** Recraft's key header: a Bearer token. */
export function recraftHeaders(endpoint: Pick<ProviderEndpoint, 'apiKey'>): Record<string, string> {
  return endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {};
}

/** The nearest size of the model's table; a different one is reported as adapted. */
function sizeFor(provider: string, request: ImageRequest, options: RecraftRouteOptions, warnings: GenerationWarning[]): string {
  if (request.size === 'auto') throw new Error('sizeFor: no size');
  const wanted = formatSize(request.size);
  const nearest = nearestSize(request.size, options.sizes);
  if (nearest !== wanted) {
    warnings.push({
      type: 'adapted',
      setting: 'size',
      provider,
      message: `This Recraft model draws only its fixed sizes; ${wanted} was sent as the nearest one, ${nearest}.`,
    });
  }
  return nearest;
}

/** `seed`, and on V2/V3 `style`, `substyle` and `negative_prompt`, as Recraft names them. */
function readParameters(
  provider: string,
  extra: Record<string, unknown>,
  options: RecraftRouteOptions,
  warnings: GenerationWarning[],
): Record<string, string | number> {
  const parameters: Record<string, string | number> = {};
  const seed = extra['seed'];
  if (seed !== undefined) {
    const value = typeof seed === 'string' && /^\d+$/.test(seed.trim()) ? Number(seed) : seed;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_SEED) {
      throw invalidParam('seed', `'seed' must be an integer from 0 to ${MAX_SEED} for Recraft, got ${JSON.stringify(seed)}.`);
    }
    parameters['random_seed'] = value;
  }
  for (const name of ['style', 'substyle', 'negative_prompt'] as const) {
    const value = extra[name];
    if (value === undefined || value === '') continue;
    if (typeof value !== 'string') throw invalidParam(name, `'${name}' must be a string, got ${JSON.stringify(value)}.`);
    if (options.styleControls) parameters[name] = value;
    else warnings.push(ignored(provider, name, `'${name}' applies to Recraft V2 and V3 only`));
  }
  return parameters;
}

function readStrength(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number) || number < 0 || number > 1) {
    throw invalidParam('strength', `'strength' must be a number from 0 to 1 for Recraft, got ${JSON.stringify(value)}.`);
  }
  return number;
}

function checkUploadSizes(inputs: RecraftPreparedInputs): void {
  const image = inputs.images[0];
  if (image && image.bytes.length > MAX_UPLOAD_BYTES) {
    throw invalidParam('image[]', `The image is ${image.bytes.length} bytes as ${image.format}; Recraft takes images up to 10 MB.`);
  }
  if (inputs.mask && inputs.mask.length > MAX_UPLOAD_BYTES) {
    throw invalidParam('mask', `The mask is ${inputs.mask.length} bytes as a PNG; Recraft takes masks up to 10 MB.`);
  }
}

function fileField(name: 'image' | 'mask', bytes: Buffer, format: ImageFormat): MultipartField {
  return { name, file: { bytes, filename: `${name}.${EXTENSIONS[format] ?? 'png'}`, contentType: MIME_BY_FORMAT[format] } };
}

function textFields(values: Record<string, string | number>): MultipartField[] {
  return Object.entries(values).map(([name, value]) => ({ name, value: String(value) }));
}

function ignored(provider: string, setting: string, reason: string): GenerationWarning {
  return { type: 'unsupported', setting, provider, message: `${reason}; '${setting}' was not sent.` };
}
