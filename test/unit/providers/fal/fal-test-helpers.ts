import sharp from 'sharp';
import { loadCatalog } from '../../../../src/catalog/load-catalog.js';
import type { ImageRequest, InputImage } from '../../../../src/domain/image-request.js';
import { falProvider } from '../../../../src/providers/fal/fal-provider.js';
import type { FalCall } from '../../../../src/providers/fal/fal-request.js';
import { yamlOptions } from '../../../helpers/catalog-route-options.js';
import { parsedCall, timeLimit, type ProviderCallOverrides } from '../../../helpers/provider-call.js';

export const FAL_TEST_KEY = 'fal-test-key-id:fal-test-secret-0123456789';

/** fal's FLUX LoRA inpainting endpoint, which no catalog route uses: a route names it under `inpaint:`. */
export const FLUX_LORA_INPAINTING = {
  model: 'fal-ai/flux-lora/inpainting',
  image_input: 'image_url',
  max_input_images: 1,
  requires_image: true,
  mask: true,
  max_images_per_call: 4,
  size: { kind: 'input' },
  steps: { low: 14, medium: 28, high: 40 },
  output_formats: ['jpeg', 'png'],
  parameters: ['seed', 'guidance_scale', 'strength'],
  max_input_pixels: 1024 * 1024,
};

/**
 * What fal.yaml says of an endpoint, as route options of a route calling it directly: a route's own
 * endpoint, or one it reaches under `edit:` / `inpaint:`. An endpoint the catalog does not know
 * gets none (the adapter's cautious defaults).
 */
export function falOptionsFor(endpointId: string): Record<string, unknown> {
  for (const model of loadCatalog().all()) {
    for (const route of model.routes.filter((candidate) => candidate.provider === 'fal')) {
      const options = yamlOptions(route);
      if (route.model === endpointId) return options;
      for (const key of ['edit', 'inpaint']) {
        const other = options[key];
        if (isRecord(other) && other['model'] === endpointId) {
          const { model: _model, ...fields } = other;
          return fields;
        }
      }
    }
  }
  return {};
}

/**
 * A call as the router makes it, the endpoint's fal.yaml options parsed as at boot; `request` and
 * call fields overridable (`options` merged over the catalog's, `endpoint` over fal's defaults).
 */
export function falCall(request: Partial<ImageRequest> = {}, call: Omit<ProviderCallOverrides, 'request'> = {}): FalCall {
  const upstreamModel = call.upstreamModel ?? 'fal-ai/flux/schnell';
  return parsedCall(falProvider, {
    request: { model: 'black-forest-labs/FLUX-1-schnell', prompt: 'a lighthouse on a cliff at dawn', ...request },
    ...timeLimit(20_000),
    ...call,
    upstreamModel,
    options: { ...falOptionsFor(upstreamModel), ...call.options },
    endpoint: { instance: 'fal', baseUrl: 'https://queue.fal.run', apiKey: FAL_TEST_KEY, ...call.endpoint },
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
  const bytes = await sharp(pixels, { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer();
  return { bytes, format: 'png', width, height, hasAlpha: true };
}

/** The bytes inside a `data:...;base64,` URI. */
export function dataUriBytes(uri: unknown): Buffer {
  if (typeof uri !== 'string') throw new Error(`not a data URI: ${String(uri)}`);
  const comma = uri.indexOf(',');
  return Buffer.from(uri.slice(comma + 1), 'base64');
}
