import { invalidParam } from '../../errors/api-error.js';
import type { GenerationWarning, ImageSize } from '../../domain/image-request.js';
import { integerParam, numberParam } from '../common/numeric-params.js';
import { stepsForQuality } from '../common/quality-steps.js';
import { formatSize, roundSizeToMultiple } from '../common/size-mapping.js';
import type { ProviderCall } from '../provider.js';
import type { Automatic1111RouteOptions, Automatic1111Settings } from './automatic1111-route-options.js';
import type { Automatic1111RequestBody } from './automatic1111-wire-types.js';

export type Automatic1111Call = ProviderCall<Automatic1111RouteOptions, Automatic1111Settings>;

/** The input image and mask as the adapter prepared them (EXIF applied; mask white = repaint at the image's size). */
export interface Automatic1111Inputs {
  image: { bytes: Buffer; width: number; height: number } | undefined;
  mask: Buffer | undefined;
}

/** One blocking `POST {base}/sdapi/v1/txt2img` or `/img2img` with a JSON body. */
export interface Automatic1111Request {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: Automatic1111RequestBody;
  warnings: GenerationWarning[];
}

/** Edges the WebUI accepts (its sliders stop at 2048; the API only needs VRAM, so allow more). */
const MIN_EDGE = 64;
const MAX_EDGE = 8192;
/** Seeds go to numpy's generator, which takes 0 to 2^32-1; -1 asks for a random one. */
const MAX_SEED = 4_294_967_295;
const MAX_STEPS = 150;
const MAX_CFG_SCALE = 30;

/**
 * Builds the request for `batchSize` images. Pure. Text to image goes to `txt2img`; an input image
 * (with or without a mask) to `img2img`. The route's `model` is the checkpoint title, sent per
 * request in `override_settings` so that one server can serve several catalog models.
 */
export function buildAutomatic1111Request(call: Automatic1111Call, inputs: Automatic1111Inputs, batchSize: number): Automatic1111Request {
  const { request, options, endpoint } = call;
  const provider = endpoint.instance;
  if (request.images.length > 1)
    throw invalidParam('image[]', `'${call.upstreamModel}' edits one image at a time; ${request.images.length} were sent.`);
  if (inputs.mask && !inputs.image) throw invalidParam('image[]', 'A mask needs the image it applies to.');

  const warnings: GenerationWarning[] = [];
  const size = chooseSize(call, inputs, warnings);
  const body: Automatic1111RequestBody = {
    prompt: request.prompt ?? '',
    seed: -1,
    width: size.width,
    height: size.height,
    batch_size: batchSize,
    n_iter: 1,
    send_images: true,
    save_images: false,
  };
  const steps = stepsForQuality(options.qualitySteps, request.quality === 'auto' ? 'medium' : request.quality);
  if (steps !== undefined) body.steps = steps;
  if (options.cfgScale !== undefined) body.cfg_scale = options.cfgScale;
  if (options.samplerName !== undefined) body.sampler_name = options.samplerName;
  if (options.scheduler !== undefined) body.scheduler = options.scheduler;
  if (options.switchCheckpoint) body.override_settings = { sd_model_checkpoint: call.upstreamModel };
  applyExtraParameters(body, call.request.extra, inputs.image !== undefined, provider, warnings);

  if (inputs.image) {
    body.init_images = [inputs.image.bytes.toString('base64')];
    body.denoising_strength ??= options.denoisingStrength;
    if (inputs.mask) {
      body.mask = inputs.mask.toString('base64');
      // Start the repainted area from the original pixels, as the wire doc's inpaint example does.
      body.inpainting_fill = 1;
    }
  }
  return {
    url: `${endpoint.baseUrl}/sdapi/v1/${inputs.image ? 'img2img' : 'txt2img'}`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...basicAuthHeader(endpoint.apiKey) },
    body,
    warnings,
  };
}

/** `--api-auth user:pass`: the instance's "key" is `user:pass`, sent as HTTP Basic. */
export function basicAuthHeader(credentials: string | undefined): Record<string, string> {
  return credentials ? { authorization: `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}` } : {};
}

/**
 * `auto` draws the route's default size, or the input image's size for an edit; any size is
 * rounded to the route's multiple, with an `adapted` warning when that changes it.
 */
function chooseSize(call: Automatic1111Call, inputs: Automatic1111Inputs, warnings: GenerationWarning[]): ImageSize {
  const { options } = call;
  const requested = call.request.size;
  const wanted =
    requested !== 'auto' ? requested : inputs.image ? { width: inputs.image.width, height: inputs.image.height } : options.defaultSize;
  const sent = roundSizeToMultiple(wanted, options.sizeMultiple, MIN_EDGE, MAX_EDGE);
  if (requested !== 'auto' && (sent.width !== requested.width || sent.height !== requested.height)) {
    warnings.push({
      type: 'adapted',
      setting: 'size',
      provider: call.endpoint.instance,
      message: `'${call.upstreamModel}' takes widths and heights in multiples of ${options.sizeMultiple} from ${MIN_EDGE} to ${MAX_EDGE}; '${formatSize(requested)}' was sent as ${formatSize(sent)}.`,
    });
  }
  return sent;
}

/**
 * The pass-through parameters the WebUI understands, checked here so that a bad value is the
 * client's 400 naming it rather than a pydantic 422 after queueing behind other jobs.
 */
function applyExtraParameters(
  body: Automatic1111RequestBody,
  extra: Record<string, unknown>,
  isEdit: boolean,
  provider: string,
  warnings: GenerationWarning[],
): void {
  if (extra['seed'] !== undefined) body.seed = integerParam('seed', extra['seed'], -1, MAX_SEED);
  if (extra['steps'] !== undefined) body.steps = integerParam('steps', extra['steps'], 1, MAX_STEPS);
  if (extra['guidance_scale'] !== undefined) body.cfg_scale = numberParam('guidance_scale', extra['guidance_scale'], 1, MAX_CFG_SCALE);
  const negative = extra['negative_prompt'];
  if (negative !== undefined) {
    if (typeof negative !== 'string')
      throw invalidParam('negative_prompt', `'negative_prompt' must be a string, got ${JSON.stringify(negative)}.`);
    body.negative_prompt = negative;
  }
  if (extra['strength'] !== undefined) {
    const strength = numberParam('strength', extra['strength'], 0, 1);
    if (isEdit) body.denoising_strength = strength;
    else
      warnings.push({ type: 'unsupported', setting: 'strength', provider, message: "'strength' applies to edits only; it was ignored." });
  }
}
