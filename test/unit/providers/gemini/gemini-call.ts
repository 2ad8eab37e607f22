import type { ImageRequest } from '../../../../src/generation/image-request.js';
import type { ProviderCall, ProviderEndpoint } from '../../../../src/providers/provider.js';

export const GEMINI_BASE = 'https://generativelanguage.googleapis.com/v1beta';
export const VERTEX_BASE = 'https://aiplatform.googleapis.com/v1/projects/my-proj/locations/global/publishers/google';
export const TEST_KEY = 'AIza-unit-test-key-0123456789abcdef';

/** A provider call for the Gemini/Imagen tests: text to image, `auto` everything, unless overridden. */
export function googleCall(
  upstreamModel: string,
  request: Partial<ImageRequest> = {},
  overrides: Partial<Omit<ProviderCall, 'request' | 'endpoint'>> & { endpoint?: Partial<ProviderEndpoint> } = {},
): ProviderCall {
  const { endpoint, ...rest } = overrides;
  return {
    request: {
      model: 'google/test',
      prompt: 'a lighthouse at dawn',
      quality: 'auto',
      size: 'auto',
      n: 1,
      responseFormat: 'b64_json',
      outputFormat: 'png',
      images: [],
      mask: undefined,
      extra: {},
      ...request,
    },
    upstreamModel,
    n: request.n ?? 1,
    signal: AbortSignal.timeout(10_000),
    deadline: Date.now() + 10_000,
    options: {},
    ...rest,
    endpoint: { instance: 'gemini', baseUrl: GEMINI_BASE, apiKey: TEST_KEY, keyIndex: 0, settings: {}, ...endpoint },
  };
}
