import type { ImageProvider, ProviderResult } from '../provider.js';
import { prepareInputImage } from '../common/input-image-conversion.js';
import { postForJson } from '../common/post-json.js';
import { buildGeminiRequest, GEMINI_INPUT_FORMATS, type GeminiCall } from './gemini-request.js';
import type { GeminiRouteOptions } from './gemini-route-options.js';
import type { GoogleSettings } from './google-endpoint.js';
import { geminiResult } from './gemini-response.js';
import { googleUpstreamError } from './google-error.js';
import { listGoogleModels } from './google-model-list.js';
import { probeGoogleEndpoint } from './google-probe.js';

/**
 * One `generateContent` call yields one image: `candidateCount` is not for images (the AI SDK
 * refuses n > 1 too), so the router fans out.
 */
const IMAGES_PER_CALL = 1;

/**
 * Google's Gemini native image models ("Nano Banana") over `models/{model}:generateContent`, on
 * the Developer API (`x-goog-api-key`) or Vertex AI (Bearer token). Synchronous: one request, the
 * image comes back inline as base64 and is handed on untouched.
 */
export function createGeminiAdapter(): ImageProvider<GeminiRouteOptions, GoogleSettings> {
  return {
    id: 'gemini',
    maxImagesPerCall: () => IMAGES_PER_CALL,
    generate: generateGeminiImages,
    probe: probeGoogleEndpoint,
    // Gemini's image models are the `generateContent` ones with `image` in their id (`gemini-2.5-flash-image`).
    listModels: (endpoint, signal) =>
      listGoogleModels(endpoint, signal, (id, methods) => /image/.test(id) && methods.includes('generateContent')),
  };
}

async function generateGeminiImages(call: GeminiCall): Promise<ProviderResult> {
  const images = await Promise.all(call.request.images.map((image) => prepareInputImage(image, { formats: GEMINI_INPUT_FORMATS })));
  const request = buildGeminiRequest(call, images);
  const body = JSON.stringify(request.body);
  const result: ProviderResult = { images: [], warnings: request.warnings };
  // The router asks for one image per call; should a caller ask for more, each is its own call.
  for (let index = 0; index < call.n; index += 1) {
    const one = await generateOne(call, request.url, request.headers, body);
    result.images.push(...one.images);
    if (one.usage) result.usage = addUsage(result.usage, one.usage);
  }
  return result;
}

async function generateOne(
  call: GeminiCall,
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<Pick<ProviderResult, 'images' | 'usage'>> {
  const provider = call.endpoint.instance;
  const secrets = [call.endpoint.apiKey];
  const json = await postForJson({ provider, url, headers, body, signal: call.signal }, (response) =>
    googleUpstreamError(provider, response, secrets),
  );
  return geminiResult(provider, json, IMAGES_PER_CALL, secrets);
}

function addUsage(total: ProviderResult['usage'], more: NonNullable<ProviderResult['usage']>): NonNullable<ProviderResult['usage']> {
  const sum = (a: number | undefined, b: number | undefined) => (a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0));
  const inputTextTokens = sum(total?.inputTextTokens, more.inputTextTokens);
  const inputImageTokens = sum(total?.inputImageTokens, more.inputImageTokens);
  const outputImageTokens = sum(total?.outputImageTokens, more.outputImageTokens);
  return {
    ...(inputTextTokens === undefined ? {} : { inputTextTokens }),
    ...(inputImageTokens === undefined ? {} : { inputImageTokens }),
    ...(outputImageTokens === undefined ? {} : { outputImageTokens }),
  };
}
