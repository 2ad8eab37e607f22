import { listGoogleModels } from '../gemini/google-model-list.js';
import { probeGoogleEndpoint } from '../gemini/google-probe.js';
import { googleUpstreamError } from '../gemini/google-error.js';
import type { GoogleSettings } from '../gemini/google-endpoint.js';
import type { ImageProvider, ProviderResult } from '../provider.js';
import { postForJson } from '../common/post-json.js';
import { buildImagenRequest, type ImagenCall } from './imagen-request.js';
import { imagenResult } from './imagen-response.js';
import type { ImagenRouteOptions } from './imagen-route-options.js';

/**
 * Google Imagen 3/4 over `models/{model}:predict`, on the Gemini Developer API
 * (`x-goog-api-key`) or Vertex AI (Bearer token). Synchronous; up to four images per call
 * (`sampleCount`), returned inline as base64 and handed on untouched.
 */
export function createImagenAdapter(): ImageProvider<ImagenRouteOptions, GoogleSettings> {
  return {
    id: 'imagen',
    maxImagesPerCall: (_model, options) => options.maxImagesPerCall,
    generate: generateImagenImages,
    probe: probeGoogleEndpoint,
    listModels: (endpoint, signal) =>
      listGoogleModels(endpoint, signal, (id, methods) => id.startsWith('imagen') && methods.includes('predict')),
  };
}

async function generateImagenImages(call: ImagenCall): Promise<ProviderResult> {
  const perCall = call.options.maxImagesPerCall;
  const result: ProviderResult = { images: [], warnings: [] };
  // The router never asks for more than `maxImagesPerCall`; a direct caller gets its n in chunks.
  for (let remaining = call.n; remaining > 0; remaining -= perCall) {
    const count = Math.min(perCall, remaining);
    const request = buildImagenRequest(call, count);
    // Every chunk adapts the same settings: report them once.
    if (remaining === call.n) result.warnings.push(...request.warnings);
    const one = await predict(call, request.url, request.headers, JSON.stringify(request.body), count);
    result.images.push(...one.images);
    result.warnings.push(...one.warnings);
  }
  return result;
}

async function predict(
  call: ImagenCall,
  url: string,
  headers: Record<string, string>,
  body: string,
  count: number,
): Promise<Pick<ProviderResult, 'images' | 'warnings'>> {
  const provider = call.endpoint.instance;
  const secrets = [call.endpoint.apiKey];
  const json = await postForJson({ provider, url, headers, body, signal: call.signal }, (response) =>
    googleUpstreamError(provider, response, secrets),
  );
  return imagenResult(provider, call.upstreamModel, json, count, secrets);
}
