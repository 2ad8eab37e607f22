import { UpstreamError } from '../../errors/upstream-error.js';
import type { ImageFormat } from '../../domain/image-format.js';
import type { ImageProvider, ProviderImage, ProviderResult } from '../provider.js';
import { prepareInputImage } from '../common/input-image-conversion.js';
import { malformedResponse, redactSecrets } from '../common/upstream-error-from-response.js';
import { parseJsonBody, upstreamFetch } from '../common/upstream-fetch.js';
import { openRouterHttpError } from './openrouter-errors.js';
import { listOpenRouterModels } from './openrouter-model-list.js';
import { buildOpenRouterRequest, type OpenRouterCall } from './openrouter-request.js';
import type { OpenRouterRouteOptions, OpenRouterSettings } from './openrouter-route-options.js';
import { base64OfDataUrl, readCompletion } from './openrouter-wire-types.js';

/** Formats sent as data URLs as they are; others are re-encoded as PNG. */
const INPUT_FORMATS: ReadonlyArray<ImageFormat> = ['png', 'jpeg', 'webp'];

/**
 * OpenRouter's image-output chat models: one synchronous `POST /chat/completions` per image, the
 * image back as a data URL in `choices[0].message.images`. `models check` reads `GET /models`,
 * whose entries say which models output images.
 */
export function createOpenRouterAdapter(): ImageProvider<OpenRouterRouteOptions, OpenRouterSettings> {
  return {
    id: 'openrouter',
    maxImagesPerCall: (_upstreamModel, options) => options.maxImagesPerCall,
    generate: generateWithOpenRouter,
    listModels: listOpenRouterModels,
  };
}

async function generateWithOpenRouter(call: OpenRouterCall): Promise<ProviderResult> {
  const provider = call.endpoint.instance;
  const prepared = await Promise.all(call.request.images.map((image) => prepareInputImage(image, { formats: INPUT_FORMATS })));
  const request = buildOpenRouterRequest(call, prepared);
  const response = await upstreamFetch({
    provider,
    method: 'POST',
    url: request.url,
    headers: request.headers,
    body: JSON.stringify(request.body),
    signal: call.signal,
    deadline: call.deadline,
  });
  if (response.status < 200 || response.status >= 300) throw openRouterHttpError(provider, response, call.endpoint.apiKey);
  const completion = readCompletion(parseJsonBody(response.body));
  if (!completion) throw malformedResponse(provider, "the body has no 'choices[0].message'");
  if (completion.imageUrls.length === 0) {
    // A text-only answer is a refusal or a misread prompt: never a success with no images.
    const said = completion.text ? `: ${redactSecrets(completion.text, [call.endpoint.apiKey]).slice(0, 400)}` : '.';
    throw new UpstreamError({
      provider,
      kind: 'invalid_request',
      code: 'no_image_returned',
      upstreamStatus: response.status,
      message: `The model behind '${provider}' answered with text and no image${said}`,
    });
  }
  const images = completion.imageUrls.slice(0, call.n).map((url, index): ProviderImage => {
    const base64 = base64OfDataUrl(url);
    if (base64 !== undefined) return { base64: Buffer.from(base64, 'ascii') };
    if (url.startsWith('https://') || url.startsWith('http://')) return { url };
    throw malformedResponse(provider, `message.images[${index}] is neither a data URL nor an http(s) URL`);
  });
  return {
    images,
    warnings: request.warnings,
    ...(completion.costUsd === undefined ? {} : { reportedCostMicros: Math.round(completion.costUsd * 1_000_000) }),
  };
}
