import { invalidParam } from '../../errors/api-error.js';
import type { GenerationWarning } from '../../domain/image-request.js';
import { MIME_BY_FORMAT } from '../../domain/image-format.js';
import type { ProviderCall, ProviderEndpoint } from '../provider.js';
import type { PreparedImage } from '../common/input-image-conversion.js';
import { nearestAspectRatio } from '../common/size-mapping.js';
import type { OpenRouterRouteOptions, OpenRouterSettings } from './openrouter-route-options.js';

export type OpenRouterCall = ProviderCall<OpenRouterRouteOptions, OpenRouterSettings>;

type ContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

/** The chat-completion body that asks an image-output model for an image. */
export interface OpenRouterBody {
  model: string;
  messages: Array<{ role: 'user'; content: string | ContentPart[] }>;
  modalities: ['image', 'text'];
  stream: false;
  /** Asks OpenRouter to report the charge (`usage.cost`), for `upstream` pricing. */
  usage: { include: true };
  image_config?: { aspect_ratio: string };
}

/** The outgoing request, exactly as it goes on the wire. */
export interface OpenRouterRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: OpenRouterBody;
  warnings: GenerationWarning[];
}

/**
 * Builds one `POST /chat/completions` with image output: the prompt as the user message, input
 * images as `image_url` parts (data URLs) after it. Pure: no network, no image decoding.
 */
export function buildOpenRouterRequest(call: OpenRouterCall, images: PreparedImage[] = []): OpenRouterRequest {
  const { request, options } = call;
  const provider = call.endpoint.instance;
  if (images.length !== request.images.length) throw new Error('buildOpenRouterRequest: every input image must be prepared first');
  if (!request.prompt) throw invalidParam('prompt', 'OpenRouter image models need a prompt.');
  if (request.mask) {
    throw invalidParam('mask', 'OpenRouter chat models take no mask; describe the region to change in the prompt instead.');
  }
  if (request.images.length > options.maxInputImages) {
    const most = options.maxInputImages === 0 ? 'takes no input images' : `takes at most ${options.maxInputImages} input image(s)`;
    throw invalidParam('image[]', `This OpenRouter model ${most}; ${request.images.length} were sent.`);
  }

  const warnings: GenerationWarning[] = [];
  if (request.quality !== 'auto') {
    warnings.push(ignored(provider, 'quality', `OpenRouter image models have no quality setting; '${request.quality}' was not sent.`));
  }
  const content: string | ContentPart[] =
    images.length === 0
      ? request.prompt
      : [
          { type: 'text', text: request.prompt },
          ...images.map((image): ContentPart => ({ type: 'image_url', image_url: { url: dataUrl(image) } })),
        ];
  const body: OpenRouterBody = {
    model: call.upstreamModel,
    messages: [{ role: 'user', content }],
    modalities: ['image', 'text'],
    stream: false,
    usage: { include: true },
  };
  const aspectRatio = aspectRatioFor(provider, call, warnings);
  if (aspectRatio !== undefined) body.image_config = { aspect_ratio: aspectRatio };
  return { url: `${call.endpoint.baseUrl}/chat/completions`, method: 'POST', headers: openRouterHeaders(call.endpoint), body, warnings };
}

/** Bearer key, plus the optional attribution headers OpenRouter shows in its rankings. */
export function openRouterHeaders(endpoint: Pick<ProviderEndpoint<OpenRouterSettings>, 'apiKey' | 'settings'>): Record<string, string> {
  return {
    'content-type': 'application/json',
    ...(endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {}),
    ...(endpoint.settings.site_url ? { 'http-referer': endpoint.settings.site_url } : {}),
    ...(endpoint.settings.app_name ? { 'x-title': endpoint.settings.app_name } : {}),
  };
}

/**
 * The size as the nearest of the route's ratios. Models without `aspect_ratios` have no documented
 * size control: they draw at their default size and the request's size is reported as dropped.
 */
function aspectRatioFor(provider: string, call: OpenRouterCall, warnings: GenerationWarning[]): string | undefined {
  const { size } = call.request;
  if (size === 'auto') return undefined;
  if (call.options.aspectRatios.length === 0) {
    warnings.push(ignored(provider, 'size', `This OpenRouter model draws at its default size; ${size.width}x${size.height} was not sent.`));
    return undefined;
  }
  const nearest = nearestAspectRatio(size, call.options.aspectRatios);
  const [width, height] = nearest.split(':').map(Number) as [number, number];
  if (width * size.height !== height * size.width) {
    warnings.push({
      type: 'adapted',
      setting: 'size',
      provider,
      message: `OpenRouter takes an aspect ratio, not pixels; ${size.width}x${size.height} was sent as the nearest ratio, ${nearest}.`,
    });
  }
  return nearest;
}

function dataUrl(image: PreparedImage): string {
  return `data:${MIME_BY_FORMAT[image.format]};base64,${image.bytes.toString('base64')}`;
}

function ignored(provider: string, setting: string, message: string): GenerationWarning {
  return { type: 'unsupported', setting, provider, message };
}
