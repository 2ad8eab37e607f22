import { invalidParam } from '../../errors/api-error.js';
import type { GenerationWarning } from '../../domain/image-request.js';
import { googleAuthHeaders, googleModelUrl, type GoogleSettings } from '../gemini/google-endpoint.js';
import { adaptedSizeWarning, chooseGoogleImageSize } from '../gemini/google-image-size.js';
import type { ProviderCall } from '../provider.js';
import { imagenSizeProfile, type ImagenRouteOptions } from './imagen-route-options.js';
import type { ImagenRequestBody } from './imagen-wire-types.js';

export type ImagenCall = ProviderCall<ImagenRouteOptions, GoogleSettings>;

/** One `POST {base}/models/{model}:predict` with a JSON body. */
export interface ImagenRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: ImagenRequestBody;
  warnings: GenerationWarning[];
}

const MAX_COMPRESSION_QUALITY = 100;

/**
 * Builds one `:predict` call for `sampleCount` images. Pure. Imagen generates from text only
 * here (Vertex's editing model is another API), so input images and masks are refused. Fields the
 * Gemini API rejects (negativePrompt, seed, addWatermark, enhancePrompt) are never sent.
 */
export function buildImagenRequest(call: ImagenCall, sampleCount: number): ImagenRequest {
  const { request, endpoint, options } = call;
  const provider = endpoint.instance;
  if (request.images.length > 0)
    throw invalidParam('image[]', `'${call.upstreamModel}' generates from text only and takes no input images.`);
  if (request.mask) throw invalidParam('mask', `'${call.upstreamModel}' takes no mask.`);
  if (!request.prompt) throw invalidParam('prompt', `'${call.upstreamModel}' needs a prompt.`);

  const warnings: GenerationWarning[] = [];
  const parameters: ImagenRequestBody['parameters'] = { sampleCount, includeRaiReason: true, outputOptions: outputOptions(call, warnings) };
  // `auto` sends neither field: 1:1 at 1K.
  if (request.size !== 'auto') {
    const choice = chooseGoogleImageSize(request.size, imagenSizeProfile(options));
    parameters.aspectRatio = choice.aspectRatio;
    if (choice.tier !== undefined) parameters.sampleImageSize = choice.tier;
    const warning = adaptedSizeWarning(provider, call.upstreamModel, request.size, choice);
    if (warning) warnings.push(warning);
  }
  if (options.personGeneration) parameters.personGeneration = options.personGeneration;
  if (options.safetySetting) parameters.safetySetting = options.safetySetting;
  if (request.quality !== 'auto') {
    warnings.push({
      type: 'unsupported',
      setting: 'quality',
      provider,
      message: `'${call.upstreamModel}' has no quality setting; quality '${request.quality}' was ignored.`,
    });
  }
  return {
    url: googleModelUrl(endpoint.baseUrl, call.upstreamModel, 'predict'),
    method: 'POST',
    headers: { 'content-type': 'application/json', ...googleAuthHeaders(endpoint) },
    body: { instances: [{ prompt: request.prompt }], parameters },
    warnings,
  };
}

/**
 * Imagen writes PNG or JPEG. JPEG is asked for when the client wants JPEG (with
 * `output_compression` as its quality); WebP gets PNG, which the gateway converts without a
 * second lossy step.
 */
function outputOptions(call: ImagenCall, warnings: GenerationWarning[]): ImagenRequestBody['parameters']['outputOptions'] {
  if (call.request.outputFormat !== 'jpeg') return { mimeType: 'image/png' };
  const compression = call.request.extra['output_compression'];
  if (compression === undefined) return { mimeType: 'image/jpeg' };
  if (Number.isInteger(compression) && (compression as number) >= 0 && (compression as number) <= MAX_COMPRESSION_QUALITY) {
    return { mimeType: 'image/jpeg', compressionQuality: compression as number };
  }
  warnings.push({
    type: 'unsupported',
    setting: 'output_compression',
    provider: call.endpoint.instance,
    message: `'output_compression' must be an integer from 0 to ${MAX_COMPRESSION_QUALITY}; it was ignored.`,
  });
  return { mimeType: 'image/jpeg' };
}
