import { invalidParam } from '../../errors/api-error.js';
import type { GenerationWarning, ImageRequest } from '../../domain/image-request.js';
import { MIME_BY_FORMAT, type ImageFormat } from '../../domain/image-format.js';
import type { ProviderEndpoint } from '../provider.js';
import type { PreparedImage } from '../common/input-image-conversion.js';
import { formatSize, nearestSize } from '../common/size-mapping.js';
import { fitGptImage2Size } from './gpt-image-2-size.js';
import { readExtraParameters, type OpenAICall } from './openai-parameters.js';
import type { OpenAIModelProfile, OpenAISettings } from './openai-route-options.js';
import type { MultipartField } from '../common/multipart-form.js';

/** What the adapter prepares with sharp before building the request (the builder does no I/O). */
export interface PreparedInputs {
  /** One per `request.images`, in order. */
  images: PreparedImage[];
  /** The mask as a PNG with alpha (alpha 0 = edit) at image 1's size. */
  mask: Buffer | undefined;
}

export type OpenAIRequestBody = { type: 'json'; json: Record<string, unknown> } | { type: 'multipart'; fields: MultipartField[] };

/** The outgoing request, exactly as it goes on the wire. */
export interface OpenAIRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: OpenAIRequestBody;
  warnings: GenerationWarning[];
  /** Images this request asks for: `call.n`, capped at what one call of the model may return. */
  n: number;
}

/** dall-e-2 edits: one PNG under 4 MB; masks (every model): a PNG under 4 MB (wire reference §3.2). */
export const MAX_DALL_E_2_IMAGE_BYTES = 4 * 1024 * 1024;
export const MAX_MASK_BYTES = 4 * 1024 * 1024;
/** GPT image edit inputs: under 50 MB each. */
export const MAX_GPT_IMAGE_INPUT_BYTES = 50 * 1024 * 1024;

const FILE_EXTENSIONS: Record<ImageFormat, string> = {
  png: 'png',
  jpeg: 'jpg',
  webp: 'webp',
  gif: 'gif',
  avif: 'avif',
  tiff: 'tiff',
  svg: 'svg',
};

const NO_INPUTS: PreparedInputs = { images: [], mask: undefined };

/**
 * Builds the OpenAI Images API request for one call: JSON to `/images/generations`, or multipart to
 * `/images/edits` when there are input images (`image` for one, `image[]` repeated for several,
 * `mask` as a PNG). Pure: no network, no image decoding.
 */
export function buildOpenAIRequest(call: OpenAICall, inputs: PreparedInputs = NO_INPUTS): OpenAIRequest {
  const { request, upstreamModel: model } = call;
  const { profile } = call.options;
  const isEdit = request.images.length > 0;
  if (inputs.images.length !== request.images.length || (request.mask !== undefined) !== (inputs.mask !== undefined)) {
    throw new Error('buildOpenAIRequest: every input image and the mask must be prepared first');
  }
  checkPrompt(request, profile, model);
  if (isEdit) checkEditInputs(request, inputs, profile, model);

  const warnings: GenerationWarning[] = [];
  const n = Math.min(call.n, profile.maxImagesPerCall);
  const extras = readExtraParameters(call, profile, isEdit, warnings);
  const parameters: Record<string, string | number> = {
    n,
    size: wireSize(call.endpoint.instance, request, profile, model, warnings),
  };
  const quality = wireQuality(call.endpoint.instance, request, profile, model, warnings);
  if (quality !== undefined) parameters['quality'] = quality;
  if (profile.gptImageParameters) parameters['output_format'] = request.outputFormat;
  if (profile.responseFormat) {
    // Base64 by default: no second download, and no 60-minute URL to race against.
    parameters['response_format'] = call.options.responseFormat ?? call.endpoint.settings.response_format ?? 'b64_json';
  }
  for (const [name, value] of Object.entries(extras)) {
    if (value !== undefined) parameters[name] = value as string | number;
  }

  const headers = openAIHeaders(call.endpoint);
  const head = { model, prompt: request.prompt ?? '' };
  if (!isEdit) {
    return {
      url: `${call.endpoint.baseUrl}/images/generations`,
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: { type: 'json', json: { ...head, ...parameters } },
      warnings,
      n,
    };
  }
  const fields: MultipartField[] = [
    { name: 'model', value: head.model },
    { name: 'prompt', value: head.prompt },
    ...imageFields(inputs.images),
    ...(inputs.mask ? [{ name: 'mask', file: { bytes: inputs.mask, filename: 'mask.png', contentType: MIME_BY_FORMAT.png } }] : []),
    ...Object.entries(parameters).map(([name, value]) => ({ name, value: String(value) })),
  ];
  return { url: `${call.endpoint.baseUrl}/images/edits`, method: 'POST', headers, body: { type: 'multipart', fields }, warnings, n };
}

/** Auth and the optional organization/project headers (instance settings `organization`, `project`). */
export function openAIHeaders(endpoint: Pick<ProviderEndpoint<OpenAISettings>, 'apiKey' | 'settings'>): Record<string, string> {
  const headers: Record<string, string> = {};
  if (endpoint.apiKey) headers['authorization'] = `Bearer ${endpoint.apiKey}`;
  const { organization, project } = endpoint.settings;
  if (organization) headers['openai-organization'] = organization;
  if (project) headers['openai-project'] = project;
  return headers;
}

/** One image goes as `image`, several as repeated `image[]` (what OpenAI's own SDK sends). */
function imageFields(images: PreparedImage[]): MultipartField[] {
  const name = images.length === 1 ? 'image' : 'image[]';
  return images.map((image, index) => ({
    name,
    file: {
      bytes: image.bytes,
      filename: `image-${index + 1}.${FILE_EXTENSIONS[image.format]}`,
      contentType: MIME_BY_FORMAT[image.format],
    },
  }));
}

function checkPrompt(request: ImageRequest, profile: OpenAIModelProfile, model: string): void {
  if (!request.prompt) throw invalidParam('prompt', `OpenAI's ${model} needs a 'prompt'.`);
  if (request.prompt.length > profile.maxPromptLength) {
    throw invalidParam(
      'prompt',
      `OpenAI's ${model} takes prompts of at most ${profile.maxPromptLength} characters; this one has ${request.prompt.length}.`,
    );
  }
}

function checkEditInputs(request: ImageRequest, inputs: PreparedInputs, profile: OpenAIModelProfile, model: string): void {
  if (profile.maxInputImages === 0) throw invalidParam('image[]', `OpenAI's ${model} does not edit images.`);
  if (request.images.length > profile.maxInputImages) {
    throw invalidParam(
      'image[]',
      `OpenAI's ${model} edits at most ${profile.maxInputImages} image(s); ${request.images.length} were sent.`,
    );
  }
  const limit = profile.family === 'dall-e-2' ? MAX_DALL_E_2_IMAGE_BYTES : MAX_GPT_IMAGE_INPUT_BYTES;
  inputs.images.forEach((image, index) => {
    if (image.bytes.length >= limit) {
      throw invalidParam(
        'image[]',
        `Image ${index + 1} is ${image.bytes.length} bytes as ${image.format}; OpenAI's ${model} takes images under ${limit / (1024 * 1024)} MB.`,
      );
    }
  });
  const first = request.images[0];
  if (profile.family === 'dall-e-2' && first && first.width !== first.height) {
    throw invalidParam('image[]', `OpenAI's dall-e-2 edits square images only; this one is ${first.width}x${first.height}.`);
  }
  if (inputs.mask && inputs.mask.length >= MAX_MASK_BYTES) {
    throw invalidParam('mask', `The mask is ${inputs.mask.length} bytes as a PNG; OpenAI takes masks under 4 MB.`);
  }
}

/**
 * Fixed-size models get the nearest allowed size (closest aspect ratio, then area) with an
 * `adapted` warning; gpt-image-2 gets the closest size its rules allow. `auto` stays `auto`,
 * except on DALL·E, which refuses it: there it is OpenAI's own default, 1024x1024.
 */
function wireSize(
  provider: string,
  request: ImageRequest,
  profile: OpenAIModelProfile,
  model: string,
  warnings: GenerationWarning[],
): string {
  if (request.size === 'auto') return profile.autoSize;
  const asked = formatSize(request.size);
  const sent =
    profile.sizes === 'flexible'
      ? formatSize(fitGptImage2Size(request.size))
      : profile.sizes.includes(asked)
        ? asked
        : nearestSize(request.size, profile.sizes);
  if (sent !== asked) {
    warnings.push({
      type: 'adapted',
      setting: 'size',
      provider,
      message: `OpenAI's ${model} does not take ${asked}; ${sent} was sent instead.`,
    });
  }
  return sent;
}

/** GPT image models take the gateway's qualities as they are; dall-e-3 has standard/hd; dall-e-2 none. */
function wireQuality(
  provider: string,
  request: ImageRequest,
  profile: OpenAIModelProfile,
  model: string,
  warnings: GenerationWarning[],
): string | undefined {
  const { quality } = request;
  if (profile.gptImageParameters) return quality;
  if (profile.family === 'dall-e-3') {
    if (quality === 'low') {
      warnings.push({
        type: 'adapted',
        setting: 'quality',
        provider,
        message: `OpenAI's ${model} has no 'low' quality; 'standard' was sent.`,
      });
    }
    return quality === 'high' ? 'hd' : 'standard';
  }
  if (quality !== 'auto') {
    warnings.push({
      type: 'unsupported',
      setting: 'quality',
      provider,
      message: `OpenAI's ${model} has a single quality; '${quality}' was not sent.`,
    });
  }
  return undefined;
}
