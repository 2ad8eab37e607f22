import { invalidParam } from '../../errors/api-error.js';
import type { GenerationWarning, ImageSize } from '../../domain/image-request.js';
import { MIME_BY_FORMAT, type ImageFormat } from '../../domain/image-format.js';
import type { ProviderCall } from '../provider.js';
import type { FalEndpoint, FalModelProfile, FalRouteOptions, FalSettings } from './fal-route-options.js';
import { falImageSize } from './fal-size.js';
import { stepsForQuality } from '../common/quality-steps.js';

/** An input image as the adapter prepared it (EXIF applied, within the endpoint's pixel limit). */
export interface PreparedFalImage {
  bytes: Buffer;
  format: ImageFormat;
  width: number;
  height: number;
}

export type FalCall = ProviderCall<FalRouteOptions, FalSettings>;

export interface FalRequestInput {
  call: FalCall;
  /** The endpoint chosen by `falEndpointFor`. */
  endpointId: string;
  /** What that endpoint accepts. */
  profile: FalModelProfile;
  images: PreparedFalImage[];
  /** The mask already converted to fal's convention (white = repaint), as PNG bytes. */
  mask: Buffer | undefined;
}

export interface FalSubmitRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: Record<string, unknown>;
  warnings: GenerationWarning[];
}

/** Fields OpenAI SDKs send that the gateway already accepted silently (`stream: false`): no warning. */
const SILENT_EXTRAS: ReadonlySet<string> = new Set(['stream']);
/** Passed-through parameters fal wants as numbers; multipart forms deliver every field as text. */
const NUMERIC_PARAMETERS: ReadonlySet<string> = new Set(['seed', 'guidance_scale', 'strength']);
const NUMBER_TEXT = /^-?\d+(\.\d+)?$/;

/**
 * Which fal endpoint serves this call: the route's `inpaint` endpoint for masks, its `edit`
 * endpoint for input images (e.g. `fal-ai/flux/dev/image-to-image`), else the route's model itself.
 */
export function falEndpointFor(call: Pick<FalCall, 'request' | 'upstreamModel' | 'options'>): FalEndpoint {
  const { request, upstreamModel, options } = call;
  const own: FalEndpoint = { model: upstreamModel, profile: options.profile };
  if (request.mask) {
    if (options.inpaint) return options.inpaint;
    if (own.profile.takesMask) return own;
    throw invalidParam(
      'mask',
      `The fal route '${upstreamModel}' has no inpainting endpoint (route option 'inpaint'), so it can't take a mask.`,
    );
  }
  if (request.images.length > 0) return options.edit ?? own;
  return own;
}

/** The queue submission: `POST {base}/{endpoint}` with the flat model input as JSON. Pure: no I/O. */
export function buildFalSubmitRequest(input: FalRequestInput): FalSubmitRequest {
  const { call, endpointId, profile, images, mask } = input;
  const { request, endpoint, options } = call;
  const provider = endpoint.instance;
  checkInputs(profile, endpointId, images.length);
  const warnings: GenerationWarning[] = [];
  const body: Record<string, unknown> = {};

  if (request.prompt !== undefined) body['prompt'] = request.prompt;
  const firstImage: ImageSize | undefined = images[0];
  const size = falImageSize(request.size, profile.size, firstImage, { provider, endpointId });
  warnings.push(...size.warnings);
  if (size.imageSize) body['image_size'] = { width: size.imageSize.width, height: size.imageSize.height };
  if (profile.sendsNumImages) body['num_images'] = Math.min(call.n, profile.maxImagesPerCall);

  if (request.quality !== 'auto') {
    const steps = stepsForQuality(profile.steps, request.quality);
    if (steps !== undefined) body['num_inference_steps'] = steps;
    else
      warnings.push({
        type: 'unsupported',
        setting: 'quality',
        provider,
        message: `'${endpointId}' has no quality setting; quality '${request.quality}' was ignored.`,
      });
  }
  // webp is not on offer: the app's default comes back and the gateway converts it.
  if (profile.outputFormats.includes(request.outputFormat)) body['output_format'] = request.outputFormat;

  const safetyChecker = safetyCheckerSetting(call);
  if (safetyChecker !== undefined) body['enable_safety_checker'] = safetyChecker;
  if (options.syncMode) body['sync_mode'] = true;

  if (profile.imageInput === 'image_url' && images[0]) body['image_url'] = dataUri(images[0].bytes, images[0].format);
  if (profile.imageInput === 'image_urls' && images.length > 0)
    body['image_urls'] = images.map((image) => dataUri(image.bytes, image.format));
  if (mask) body['mask_url'] = dataUri(mask, 'png');

  warnings.push(...passExtraParameters(request.extra, profile, body, { provider, endpointId }));
  // Fixed model inputs from the route (e.g. `acceleration: high`) go last: the operator's word wins.
  if (options.input) Object.assign(body, options.input);

  return {
    url: `${endpoint.baseUrl}/${endpointId}`,
    method: 'POST',
    headers: { ...falAuthHeaders(endpoint.apiKey), 'content-type': 'application/json' },
    body,
    warnings,
  };
}

/** `Authorization: Key <id:secret>` (the word `Key`, not `Bearer`) on every queue call. */
export function falAuthHeaders(apiKey: string | undefined): Record<string, string> {
  return apiKey ? { authorization: `Key ${apiKey}`, accept: 'application/json' } : { accept: 'application/json' };
}

/** The safety checker decides whether flagged images count as refusals; `undefined` = fal's default (on). */
export function safetyCheckerSetting(call: Pick<FalCall, 'options' | 'endpoint'>): boolean | undefined {
  return call.options.enableSafetyChecker ?? call.endpoint.settings.enable_safety_checker;
}

function checkInputs(profile: FalModelProfile, endpointId: string, imageCount: number): void {
  if (profile.requiresImage && imageCount === 0) {
    throw invalidParam('image[]', `'${endpointId}' edits images: send at least one in 'image[]'.`);
  }
  if (imageCount > profile.maxInputImages) {
    throw invalidParam('image[]', `'${endpointId}' takes at most ${profile.maxInputImages} input image(s); ${imageCount} were sent.`);
  }
}

function passExtraParameters(
  extra: Record<string, unknown>,
  profile: FalModelProfile,
  body: Record<string, unknown>,
  context: { provider: string; endpointId: string },
): GenerationWarning[] {
  const warnings: GenerationWarning[] = [];
  for (const [name, value] of Object.entries(extra)) {
    if (SILENT_EXTRAS.has(name)) continue;
    if (!profile.parameters.includes(name)) {
      warnings.push({
        type: 'unsupported',
        setting: name,
        provider: context.provider,
        message: `'${context.endpointId}' has no '${name}' parameter; it was not sent.`,
      });
      continue;
    }
    if (name === 'style' && profile.vectorStylePrefix && typeof value === 'string' && value.startsWith(profile.vectorStylePrefix)) {
      throw invalidParam(
        'style',
        `Style '${value}' makes '${context.endpointId}' return SVG, which this gateway does not serve; pick a raster style.`,
      );
    }
    body[name] = NUMERIC_PARAMETERS.has(name) && typeof value === 'string' && NUMBER_TEXT.test(value.trim()) ? Number(value) : value;
  }
  return warnings;
}

function dataUri(bytes: Buffer, format: ImageFormat): string {
  return `data:${MIME_BY_FORMAT[format]};base64,${bytes.toString('base64')}`;
}
