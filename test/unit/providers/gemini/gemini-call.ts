import sharp from 'sharp';
import type { ImageRequest } from '../../../../src/domain/image-request.js';
import { geminiProvider } from '../../../../src/providers/gemini/gemini-provider.js';
import type { GeminiCall } from '../../../../src/providers/gemini/gemini-request.js';
import type { ImagenCall } from '../../../../src/providers/imagen/imagen-request.js';
import { imagenProvider } from '../../../../src/providers/imagen/imagen-provider.js';
import type { ProviderCall, ProviderImage } from '../../../../src/providers/provider.js';
import { parseCall, providerCall, timeLimit, type ProviderCallOverrides } from '../../../helpers/provider-call.js';

export const GEMINI_BASE = 'https://generativelanguage.googleapis.com/v1beta';
export const VERTEX_BASE = 'https://aiplatform.googleapis.com/v1/projects/my-proj/locations/global/publishers/google';
export const TEST_KEY = 'AIza-unit-test-key-0123456789abcdef';

/** A provider call for the Gemini/Imagen tests: text to image, `auto` everything, unless overridden. */
export function googleCall(
  upstreamModel: string,
  request: Partial<ImageRequest> = {},
  overrides: Omit<ProviderCallOverrides, 'request'> = {},
): ProviderCall<Record<string, unknown>> {
  return providerCall({
    request: { model: 'google/test', prompt: 'a lighthouse at dawn', ...request },
    upstreamModel,
    ...timeLimit(10_000),
    ...overrides,
    endpoint: { instance: 'gemini', baseUrl: GEMINI_BASE, apiKey: TEST_KEY, ...overrides.endpoint },
  });
}

/** `googleCall` with its options and settings parsed by the Gemini provider, as at boot. */
export function geminiCall(...args: Parameters<typeof googleCall>): GeminiCall {
  return parseCall(geminiProvider, googleCall(...args));
}

/** `googleCall` with its options and settings parsed by the Imagen provider, as at boot. */
export function imagenCall(...args: Parameters<typeof googleCall>): ImagenCall {
  return parseCall(imagenProvider, googleCall(...args));
}

/** Size and format of a base64 image the Gemini and Imagen adapters return (fails the test on other shapes). */
export async function decoded(image: ProviderImage | undefined): Promise<{ width: number; height: number; format: string }> {
  if (!image || !('base64' in image)) throw new Error('expected a base64 image');
  const metadata = await sharp(Buffer.from(image.base64.toString('latin1'), 'base64')).metadata();
  return { width: metadata.width!, height: metadata.height!, format: metadata.format! };
}
