import { invalidParam } from '../../errors/api-error.js';
import type { GenerationWarning, ImageRequest, ImageSize } from '../../domain/image-request.js';
import { MIME_BY_FORMAT, type ImageFormat } from '../../domain/image-format.js';
import { formatSize, nearestAspectRatio, roundSizeToMultiple } from '../common/size-mapping.js';
import { coerceParameter, OPENAI_PARAMETER_NAMES } from './replicate-input-parameters.js';
import type { AspectRatioSizing, PixelSizing, ReplicateModelProfile } from './replicate-route-options.js';
import { stepsForQuality } from '../common/quality-steps.js';

/** Images already prepared by the adapter (EXIF applied, mask in the model's convention). */
export interface PreparedInputs {
  image?: { bytes: Buffer; format: ImageFormat };
  /** PNG, at the size of the image. */
  mask?: Buffer;
}

export interface ModelInput {
  input: Record<string, unknown>;
  warnings: GenerationWarning[];
}

/** Requests up to this area (0.5 MP, the geometric middle of 0.25 and 1) get FLUX's `megapixels: "0.25"`. */
const QUARTER_MEGAPIXEL_LIMIT = 0.5 * 1024 * 1024;

/**
 * The `input` object of a prediction: the client request translated through the model's profile.
 * Pure; `provider` (the instance id) only labels warnings.
 */
export function buildModelInput(
  request: ImageRequest,
  n: number,
  profile: ReplicateModelProfile,
  prepared: PreparedInputs,
  provider: string,
): ModelInput {
  if (!request.prompt) throw invalidParam('prompt', 'Replicate models need a prompt.');
  const input: Record<string, unknown> = { prompt: request.prompt };
  const warnings: GenerationWarning[] = [];
  const warn = (type: GenerationWarning['type'], setting: string, message: string) => warnings.push({ type, setting, provider, message });

  const imageSent = addImages(input, request, profile, prepared);
  addSize(input, request.size, profile, imageSent, warn);
  if (profile.count) input[profile.count.input] = Math.min(n, profile.count.max);
  const outputFormat = request.outputFormat === 'jpeg' ? 'jpg' : request.outputFormat;
  // Without the requested format upstream, the model's default comes back and the gateway converts it.
  if ((profile.outputFormats as ReadonlyArray<string> | undefined)?.includes(outputFormat)) input['output_format'] = outputFormat;
  if (request.quality !== 'auto') {
    const steps = stepsForQuality(profile.steps, request.quality);
    if (profile.steps && steps !== undefined) input[profile.steps.input] = steps;
    else warn('unsupported', 'quality', `This Replicate model has no quality setting; 'quality: ${request.quality}' was not sent.`);
  }
  for (const [name, value] of Object.entries(request.extra)) {
    const upstreamName = OPENAI_PARAMETER_NAMES[name] ?? name;
    const spec = profile.parameters[upstreamName];
    if (spec) input[upstreamName] = coerceParameter(name, value, spec);
    else warn('unsupported', name, `'${name}' is not an input of this Replicate model and was not sent.`);
  }
  return { input, warnings };
}

/** Image 1 and the mask as data URIs; more images than the model takes is a catalog/profile mismatch. */
function addImages(
  input: Record<string, unknown>,
  request: ImageRequest,
  profile: ReplicateModelProfile,
  prepared: PreparedInputs,
): boolean {
  if (request.images.length === 0) return false;
  if (!profile.image || !prepared.image) throw invalidParam('image[]', 'This Replicate model does not take input images.');
  if (request.images.length > 1)
    throw invalidParam('image[]', `This Replicate model takes one input image; ${request.images.length} were sent.`);
  input[profile.image.input] = dataUri(prepared.image.bytes, prepared.image.format);
  if (request.mask) {
    if (!profile.mask || !prepared.mask) throw invalidParam('mask', 'This Replicate model does not take a mask.');
    input[profile.mask.input] = dataUri(prepared.mask, 'png');
  }
  return true;
}

type Warn = (type: GenerationWarning['type'], setting: string, message: string) => void;

function addSize(
  input: Record<string, unknown>,
  size: ImageSize | 'auto',
  profile: ReplicateModelProfile,
  imageSent: boolean,
  warn: Warn,
): void {
  // `auto`: nothing is sent and the model's default applies.
  if (size === 'auto') return;
  if (imageSent && profile.image?.outputFollowsImage) {
    warn(
      'adapted',
      'size',
      `With an input image this Replicate model keeps the image's proportions; 'size' ${formatSize(size)} was not sent.`,
    );
    return;
  }
  if (profile.sizing.kind === 'pixels') addPixelSize(input, size, profile.sizing, warn);
  else addAspectRatio(input, size, profile.sizing, warn);
}

function addPixelSize(input: Record<string, unknown>, size: ImageSize, sizing: PixelSizing, warn: Warn): void {
  const rounded = roundSizeToMultiple(size, sizing.multiple, sizing.min, sizing.max);
  input['width'] = rounded.width;
  input['height'] = rounded.height;
  if (rounded.width !== size.width || rounded.height !== size.height) {
    warn(
      'adapted',
      'size',
      `'size' ${formatSize(size)} was rounded to ${formatSize(rounded)} (multiples of ${sizing.multiple}, ${sizing.min} to ${sizing.max}).`,
    );
  }
}

/** Nearest `aspect_ratio` by log distance; FLUX also gets the `megapixels` closest to the requested area. */
function addAspectRatio(input: Record<string, unknown>, size: ImageSize, sizing: AspectRatioSizing, warn: Warn): void {
  const ratio = nearestAspectRatio(size, sizing.ratios);
  input['aspect_ratio'] = ratio;
  const quarter = sizing.megapixels === true && size.width * size.height <= QUARTER_MEGAPIXEL_LIMIT;
  if (sizing.megapixels) input['megapixels'] = quarter ? '0.25' : '1';
  const pixels = sizing.pixels?.[ratio];
  if (!pixels) {
    warn('adapted', 'size', `'size' ${formatSize(size)} was sent as aspect_ratio ${ratio}; the model picks the pixel size.`);
    return;
  }
  const delivered = quarter
    ? { width: Math.floor(pixels[0] / 2), height: Math.floor(pixels[1] / 2) }
    : { width: pixels[0], height: pixels[1] };
  if (delivered.width !== size.width || delivered.height !== size.height) {
    warn(
      'adapted',
      'size',
      `'size' ${formatSize(size)} was sent as aspect_ratio ${ratio}${sizing.megapixels ? ` at ${quarter ? '0.25' : '1'} MP` : ''}: the model renders ${formatSize(delivered)}.`,
    );
  }
}

function dataUri(bytes: Buffer, format: ImageFormat): string {
  return `data:${MIME_BY_FORMAT[format]};base64,${bytes.toString('base64')}`;
}
