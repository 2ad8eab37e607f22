import sharp from 'sharp';
import type { ImageRequest, InputImage } from '../../../../src/domain/image-request.js';
import type { ProviderCall } from '../../../../src/providers/provider.js';
import { providerCall, timeLimit } from '../../../helpers/provider-call.js';

export const FAL_TEST_KEY = 'fal-test-key-id:fal-test-secret-0123456789';

/** A call as the router makes it; `request` and call fields overridable (a given `endpoint` replaces fal's whole). */
export function falCall(request: Partial<ImageRequest> = {}, call: Partial<Omit<ProviderCall, 'request'>> = {}): ProviderCall {
  return providerCall({
    request: { model: 'black-forest-labs/FLUX-1-schnell', prompt: 'a lighthouse on a cliff at dawn', ...request },
    upstreamModel: 'fal-ai/flux/schnell',
    ...timeLimit(20_000),
    endpoint: { instance: 'fal', baseUrl: 'https://queue.fal.run', apiKey: FAL_TEST_KEY },
    ...call,
  });
}

/** A real decoded input image, as the gateway hands it to providers. */
export async function inputImage(width: number, height: number, format: 'png' | 'jpeg' = 'png', red = 200): Promise<InputImage> {
  const base = sharp({ create: { width, height, channels: 3, background: { r: red, g: 80, b: 40 } } });
  const bytes = format === 'png' ? await base.png().toBuffer() : await base.jpeg().toBuffer();
  return { bytes, format, width, height, hasAlpha: false };
}

/** An OpenAI-style mask: transparent (edit) left half, opaque (keep) right half. */
export async function halfTransparentMask(width: number, height: number): Promise<InputImage> {
  const pixels = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const offset = (y * width + x) * 4;
      pixels[offset + 3] = x < width / 2 ? 0 : 255;
    }
  }
  const bytes = await sharp(pixels, { raw: { width, height, channels: 4 } }).png().toBuffer();
  return { bytes, format: 'png', width, height, hasAlpha: true };
}

/** The bytes inside a `data:...;base64,` URI. */
export function dataUriBytes(uri: unknown): Buffer {
  if (typeof uri !== 'string') throw new Error(`not a data URI: ${String(uri)}`);
  const comma = uri.indexOf(',');
  return Buffer.from(uri.slice(comma + 1), 'base64');
}
