import { invalidParam } from '../../errors/api-error.js';
import { requireRasterFormat, type ImageFormat, type RasterOutputFormat } from '../../domain/image-format.js';
import type { GenerationWarning, ImageSize } from '../../domain/image-request.js';
import { integerParam, numberParam } from '../common/numeric-params.js';
import { stepsForQuality } from '../common/quality-steps.js';
import { formatSize, roundSizeToMultiple } from '../common/size-mapping.js';
import type { ProviderCall } from '../provider.js';
import { RUNWARE_SIZE_MULTIPLE, type RunwareRouteOptions, type RunwareSettings } from './runware-route-options.js';
import type { RunwareInferenceTask } from './runware-wire-types.js';

export type RunwareCall = ProviderCall<RunwareRouteOptions, RunwareSettings>;

/** The input images and mask as the adapter prepared them (EXIF applied; mask white = repaint at image 1's size). */
export interface RunwareInputs {
  images: Array<{ bytes: Buffer; format: ImageFormat; width: number; height: number }>;
  mask: Buffer | undefined;
}

/** One blocking `POST {base}` whose body is an array holding our one task. */
export interface RunwareRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: [RunwareInferenceTask];
  warnings: GenerationWarning[];
}

/** Runware's seeds run from 1 to 2^63-1; JSON numbers are exact only to 2^53-1, so that is our top. */
const MAX_SEED = Number.MAX_SAFE_INTEGER;
const MAX_STEPS = 100;
const MAX_CFG_SCALE = 30;
/** `jpeg` is `JPG` on Runware's wire: whether `JPEG` is accepted is not documented. */
const OUTPUT_FORMAT: Readonly<Record<RasterOutputFormat, RunwareInferenceTask['outputFormat']>> = { png: 'PNG', jpeg: 'JPG', webp: 'WEBP' };
const MIME: Readonly<Partial<Record<ImageFormat, string>>> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

/**
 * Builds the request for `count` images. Pure: `taskUUID` comes from the caller (a fresh UUID v4
 * per task, as Runware matches results by it). Images come back as base64 so no result URL has to
 * be fetched, and always with their cost, which `upstream` pricing bills.
 */
export function buildRunwareRequest(call: RunwareCall, inputs: RunwareInputs, count: number, taskUUID: string): RunwareRequest {
  const { request, options, endpoint } = call;
  const prompt = request.prompt ?? '';
  // Runware refuses an inference task without a prompt; say so before paying a round trip.
  if (prompt.trim().length === 0) throw invalidParam('prompt', `'${call.upstreamModel}' on Runware needs a prompt.`);
  checkInputs(call, inputs);

  const warnings: GenerationWarning[] = [];
  const size = chooseSize(call, inputs, warnings);
  const task: RunwareInferenceTask = {
    taskType: 'imageInference',
    taskUUID,
    model: call.upstreamModel,
    positivePrompt: prompt,
    width: size.width,
    height: size.height,
    numberResults: count,
    outputType: 'base64Data',
    outputFormat: OUTPUT_FORMAT[requireRasterFormat(request.outputFormat)],
    includeCost: true,
  };
  const steps = stepsForQuality(options.qualitySteps, request.quality);
  if (steps !== undefined) task.steps = steps;
  if (options.cfgScale !== undefined) task.CFGScale = options.cfgScale;
  applyExtraParameters(task, request.extra, inputs.images.length > 0 && options.imageInput === 'seed', endpoint.instance, warnings);

  const [first] = inputs.images;
  if (first && options.imageInput === 'seed') {
    task.seedImage = dataUri(first.bytes, first.format);
    task.strength ??= options.strength;
    if (inputs.mask) task.maskImage = dataUri(inputs.mask, 'png');
  } else if (options.imageInput === 'reference' && inputs.images.length > 0) {
    task.referenceImages = inputs.images.map((image) => dataUri(image.bytes, image.format));
  }
  return {
    url: endpoint.baseUrl,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {}) },
    body: [task],
    warnings,
  };
}

function checkInputs(call: RunwareCall, inputs: RunwareInputs): void {
  const { options } = call;
  if (inputs.images.length > 0 && options.imageInput === 'none')
    throw invalidParam('image[]', `'${call.upstreamModel}' generates from text only; it takes no input image.`);
  if (inputs.images.length > 1 && options.imageInput === 'seed')
    throw invalidParam('image[]', `'${call.upstreamModel}' edits one image at a time; ${inputs.images.length} were sent.`);
  // The client's mask, not the prepared one: the adapter converts a mask only for routes that take it.
  const hasMask = inputs.mask !== undefined || call.request.mask !== undefined;
  if (hasMask && !options.mask) throw invalidParam('mask', `'${call.upstreamModel}' on Runware takes no mask.`);
  if (hasMask && inputs.images.length === 0) throw invalidParam('image[]', 'A mask needs the image it applies to.');
}

/**
 * `auto` draws the route's default size, or image 1's size for an image-to-image edit; any size is
 * rounded to multiples of 64 within the route's edges, with an `adapted` warning when that changes it.
 */
function chooseSize(call: RunwareCall, inputs: RunwareInputs, warnings: GenerationWarning[]): ImageSize {
  const { options } = call;
  const requested = call.request.size;
  const [first] = inputs.images;
  const wanted = requested !== 'auto' ? requested : first ? { width: first.width, height: first.height } : options.defaultSize;
  const sent = roundSizeToMultiple(wanted, RUNWARE_SIZE_MULTIPLE, options.minEdge, options.maxEdge);
  if (requested !== 'auto' && (sent.width !== requested.width || sent.height !== requested.height)) {
    warnings.push({
      type: 'adapted',
      setting: 'size',
      provider: call.endpoint.instance,
      message: `'${call.upstreamModel}' takes widths and heights in multiples of ${RUNWARE_SIZE_MULTIPLE} from ${options.minEdge} to ${options.maxEdge}; '${formatSize(requested)}' was sent as ${formatSize(sent)}.`,
    });
  }
  return sent;
}

/** The pass-through parameters Runware takes, checked here so that a bad value is the client's 400 naming it. */
function applyExtraParameters(
  task: RunwareInferenceTask,
  extra: Record<string, unknown>,
  takesStrength: boolean,
  provider: string,
  warnings: GenerationWarning[],
): void {
  if (extra['seed'] !== undefined) task.seed = integerParam('seed', extra['seed'], 1, MAX_SEED);
  if (extra['steps'] !== undefined) task.steps = integerParam('steps', extra['steps'], 1, MAX_STEPS);
  if (extra['guidance_scale'] !== undefined) task.CFGScale = numberParam('guidance_scale', extra['guidance_scale'], 0, MAX_CFG_SCALE);
  const negative = extra['negative_prompt'];
  if (negative !== undefined) {
    if (typeof negative !== 'string')
      throw invalidParam('negative_prompt', `'negative_prompt' must be a string, got ${JSON.stringify(negative)}.`);
    if (negative.length > 0) task.negativePrompt = negative;
  }
  if (extra['strength'] !== undefined) {
    const strength = numberParam('strength', extra['strength'], 0, 1);
    if (takesStrength) task.strength = strength;
    else
      warnings.push({
        type: 'unsupported',
        setting: 'strength',
        provider,
        message: "'strength' applies to image-to-image edits only; it was ignored.",
      });
  }
}

function dataUri(bytes: Buffer, format: ImageFormat): string {
  return `data:${MIME[format] ?? 'image/png'};base64,${bytes.toString('base64')}`;
}
