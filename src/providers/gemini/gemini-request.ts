import { invalidParam } from '../../errors/api-error.js';
import type { GenerationWarning } from '../../domain/image-request.js';
import { MIME_BY_FORMAT, type ImageFormat } from '../../domain/image-format.js';
import type { ProviderCall } from '../provider.js';
import type { PreparedImage } from '../common/input-image-conversion.js';
import type { GeminiRequestBody, GeminiRequestPart } from './gemini-wire-types.js';
import { geminiSizeProfile, type GeminiRouteOptions } from './gemini-route-options.js';
import { googleAuthHeaders, googleModelUrl, type GoogleSettings } from './google-endpoint.js';
import { adaptedSizeWarning, chooseGoogleImageSize } from './google-image-size.js';

/** Input formats Gemini reads inline (it also reads HEIC/HEIF, which the gateway never has). */
export const GEMINI_INPUT_FORMATS: ReadonlyArray<ImageFormat> = ['png', 'jpeg', 'webp'];

/** An input image as the adapter prepared it: EXIF applied, in one of `GEMINI_INPUT_FORMATS`. */
export type GeminiPreparedImage = PreparedImage;

export type GeminiCall = ProviderCall<GeminiRouteOptions, GoogleSettings>;

/** One `POST {base}/models/{model}:generateContent` with a JSON body. */
export interface GeminiRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: GeminiRequestBody;
  warnings: GenerationWarning[];
}

/**
 * Builds one `generateContent` call (one image). Pure: the prompt is the first part, the input
 * images follow in the client's order as `inlineData` (so "image 1" in a prompt is the first file).
 * Gemini edits by prompt only, so a mask is refused rather than ignored: dropping it would repaint
 * the whole picture.
 */
export function buildGeminiRequest(call: GeminiCall, images: ReadonlyArray<GeminiPreparedImage>): GeminiRequest {
  const { request, endpoint, options } = call;
  const provider = endpoint.instance;
  if (request.mask) {
    throw invalidParam(
      'mask',
      `'${call.upstreamModel}' edits by prompt only and takes no mask: describe the change in the prompt instead.`,
    );
  }
  const parts: GeminiRequestPart[] = [
    ...(request.prompt ? [{ text: request.prompt }] : []),
    ...images.map((image) => ({ inlineData: { mimeType: MIME_BY_FORMAT[image.format], data: image.bytes.toString('base64') } })),
  ];
  if (parts.length === 0) throw invalidParam('prompt', `'${call.upstreamModel}' needs a prompt.`);

  const warnings: GenerationWarning[] = [];
  const generationConfig: GeminiRequestBody['generationConfig'] = { responseModalities: [...options.responseModalities] };

  // `auto` sends no imageConfig: 1:1 at the default tier, or the input image's ratio when editing.
  if (request.size !== 'auto') {
    const choice = chooseGoogleImageSize(request.size, geminiSizeProfile(options));
    generationConfig.imageConfig = { aspectRatio: choice.aspectRatio, ...(choice.tier === undefined ? {} : { imageSize: choice.tier }) };
    const warning = adaptedSizeWarning(provider, call.upstreamModel, request.size, choice);
    if (warning) warnings.push(warning);
  }
  if (request.quality !== 'auto') {
    warnings.push({
      type: 'unsupported',
      setting: 'quality',
      provider,
      message: `'${call.upstreamModel}' has no quality setting; quality '${request.quality}' was ignored (the size picks the resolution).`,
    });
  }
  const seed = request.extra['seed'];
  if (seed !== undefined) {
    if (Number.isSafeInteger(seed)) generationConfig.seed = seed as number;
    else
      warnings.push({
        type: 'unsupported',
        setting: 'seed',
        provider,
        message: `'seed' must be an integer for '${call.upstreamModel}'; it was ignored.`,
      });
  }
  if (options.thinkingLevel) generationConfig.thinkingConfig = { thinkingLevel: options.thinkingLevel };

  return {
    url: googleModelUrl(endpoint.baseUrl, call.upstreamModel, 'generateContent'),
    method: 'POST',
    headers: { 'content-type': 'application/json', ...googleAuthHeaders(endpoint) },
    body: { contents: [{ role: 'user', parts }], generationConfig },
    warnings,
  };
}
