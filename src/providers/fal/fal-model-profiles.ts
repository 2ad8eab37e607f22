import type { ImageSize, Quality } from '../../domain/image-request.js';
import type { OutputFormat } from '../../domain/image-format.js';

/**
 * What one fal endpoint accepts, by its exact endpoint id. fal apps differ in every field (image
 * input name, `image_size` rules, step ranges, `num_images`), so each endpoint the catalog routes to
 * has a profile; an endpoint without one gets the cautious `GENERIC_PROFILE`.
 */
export interface FalModelProfile {
  /** How input images travel: one `image_url`, a list `image_urls`, or not at all (text to image). */
  imageInput: 'none' | 'image_url' | 'image_urls';
  /** Most input images the endpoint takes. */
  maxInputImages: number;
  /** Edit-only endpoints fail without an image: refuse early with a 400 that names `image[]`. */
  requiresImage: boolean;
  /** Whether the endpoint takes `mask_url` (white = repaint). */
  takesMask: boolean;
  /** `num_images` upper bound; 1 with `sendsNumImages: false` for apps without the field. */
  maxImagesPerCall: number;
  sendsNumImages: boolean;
  size: FalSizeRule;
  /** `num_inference_steps` per quality; absent when the endpoint has no such knob. */
  steps?: Record<Exclude<Quality, 'auto'>, number>;
  /** `output_format` values the endpoint accepts; empty = never send it (the gateway converts). */
  outputFormats: ReadonlyArray<OutputFormat>;
  /** Extra OpenAI-style parameters passed through under the same name. */
  parameters: ReadonlyArray<string>;
  /** Inputs larger than this are scaled down first: image-to-image output follows the input size, and fal bills per megapixel. */
  maxInputPixels?: number;
  /** Styles with this prefix return SVG, which the gateway can't serve (Recraft's vector styles). */
  vectorStylePrefix?: string;
}

/**
 * How a requested size becomes `image_size`:
 * - `custom`: `{width, height}` rounded to `multiple`, scaled into [minPixels, maxPixels];
 *   `auto` sends `autoSize` (omitted: the model default; `fit_input`: image 1's shape within `maxPixels`).
 * - `input`: the endpoint has no size field; the output follows the input image.
 */
export type FalSizeRule =
  | { kind: 'custom'; multiple: number; minPixels?: number; maxPixels?: number; autoSize?: ImageSize | 'fit_input' }
  | { kind: 'input' };

/** One megapixel as fal bills it: 1024×1024 is billed as 1 MP. */
export const MEGAPIXEL = 1024 * 1024;

const FLUX_SIZE: FalSizeRule = { kind: 'custom', multiple: 16, autoSize: { width: 1024, height: 1024 } };
const FLUX_FORMATS: ReadonlyArray<OutputFormat> = ['jpeg', 'png'];

const SEEDREAM_4_SIZE: FalSizeRule = { kind: 'custom', multiple: 16, minPixels: 960 * 960, maxPixels: 4096 * 4096 };
// Seedream 4.5 has no 1K tier: fal asks for at least 2560×1440 pixels in total.
const SEEDREAM_45_SIZE: FalSizeRule = { kind: 'custom', multiple: 16, minPixels: 2560 * 1440, maxPixels: 4096 * 4096 };

const seedream = (size: FalSizeRule, edit: boolean): FalModelProfile => ({
  imageInput: edit ? 'image_urls' : 'none',
  maxInputImages: edit ? 10 : 0,
  requiresImage: edit,
  takesMask: false,
  maxImagesPerCall: 6,
  sendsNumImages: true,
  size,
  outputFormats: [],
  parameters: ['seed'],
});

const QWEN_STEPS = { low: 15, medium: 30, high: 50 };

/** FLUX.1 endpoints: up to 4 images, FLUX sizes and formats, `seed` and `guidance_scale`. */
function fluxTextToImage(steps: FalModelProfile['steps']): FalModelProfile {
  return {
    imageInput: 'none',
    maxInputImages: 0,
    requiresImage: false,
    takesMask: false,
    maxImagesPerCall: 4,
    sendsNumImages: true,
    size: FLUX_SIZE,
    steps,
    outputFormats: FLUX_FORMATS,
    parameters: ['seed', 'guidance_scale'],
  };
}

/** FLUX.1 image to image and inpainting: one input image (≤ 1 MP: fal bills the output, which keeps its size). */
function fluxFromImage(steps: FalModelProfile['steps'], takesMask: boolean): FalModelProfile {
  return {
    imageInput: 'image_url',
    maxInputImages: 1,
    requiresImage: true,
    takesMask,
    maxImagesPerCall: 4,
    sendsNumImages: true,
    size: { kind: 'input' },
    steps,
    outputFormats: FLUX_FORMATS,
    parameters: ['seed', 'guidance_scale', 'strength'],
    maxInputPixels: MEGAPIXEL,
  };
}

export const FAL_MODEL_PROFILES: Readonly<Record<string, FalModelProfile>> = {
  // Range 1–12, default 4: schnell is distilled for few steps.
  'fal-ai/flux/schnell': fluxTextToImage({ low: 2, medium: 4, high: 8 }),
  // Range 1–50, default 28.
  'fal-ai/flux/dev': fluxTextToImage({ low: 14, medium: 28, high: 40 }),
  // Range 10–50, default 40.
  'fal-ai/flux/dev/image-to-image': fluxFromImage({ low: 20, medium: 40, high: 50 }, false),
  'fal-ai/flux-lora/inpainting': fluxFromImage({ low: 14, medium: 28, high: 40 }, true),
  'fal-ai/bytedance/seedream/v4/text-to-image': seedream(SEEDREAM_4_SIZE, false),
  'fal-ai/bytedance/seedream/v4/edit': seedream(SEEDREAM_4_SIZE, true),
  'fal-ai/bytedance/seedream/v4.5/text-to-image': seedream(SEEDREAM_45_SIZE, false),
  'fal-ai/bytedance/seedream/v4.5/edit': seedream(SEEDREAM_45_SIZE, true),
  'fal-ai/qwen-image': {
    imageInput: 'none',
    maxInputImages: 0,
    requiresImage: false,
    takesMask: false,
    maxImagesPerCall: 4,
    sendsNumImages: true,
    size: { kind: 'custom', multiple: 16, autoSize: { width: 1024, height: 1024 } },
    steps: QWEN_STEPS,
    outputFormats: FLUX_FORMATS,
    parameters: ['seed', 'negative_prompt', 'guidance_scale'],
  },
  'fal-ai/qwen-image-edit': {
    imageInput: 'image_url',
    maxInputImages: 1,
    requiresImage: true,
    takesMask: false,
    maxImagesPerCall: 4,
    sendsNumImages: true,
    // Without `image_size` the output takes the input's size, and fal bills per megapixel: keep it within one.
    size: { kind: 'custom', multiple: 16, maxPixels: MEGAPIXEL, autoSize: 'fit_input' },
    steps: QWEN_STEPS,
    outputFormats: FLUX_FORMATS,
    parameters: ['seed', 'negative_prompt', 'guidance_scale'],
  },
  'fal-ai/recraft/v3/text-to-image': {
    imageInput: 'none',
    maxInputImages: 0,
    requiresImage: false,
    takesMask: false,
    maxImagesPerCall: 1,
    sendsNumImages: false,
    size: { kind: 'custom', multiple: 1, autoSize: { width: 1024, height: 1024 } },
    outputFormats: [],
    parameters: ['style'],
    vectorStylePrefix: 'vector_illustration',
  },
  'fal-ai/recraft/v3/image-to-image': {
    imageInput: 'image_url',
    maxInputImages: 1,
    requiresImage: true,
    takesMask: false,
    maxImagesPerCall: 1,
    sendsNumImages: false,
    size: { kind: 'input' },
    outputFormats: [],
    parameters: ['style', 'strength'],
    vectorStylePrefix: 'vector_illustration',
  },
};

/** For endpoints an operator routes to without a profile: one image per call, one `image_url`, no knobs guessed. */
export const GENERIC_PROFILE: FalModelProfile = {
  imageInput: 'image_url',
  maxInputImages: 1,
  requiresImage: false,
  takesMask: false,
  maxImagesPerCall: 1,
  sendsNumImages: false,
  size: { kind: 'custom', multiple: 8 },
  outputFormats: [],
  parameters: ['seed'],
};

/** The profile of an endpoint id (exact match: `fal-ai/flux/dev` and `fal-ai/flux/dev/image-to-image` differ). */
export function falModelProfile(endpointId: string): FalModelProfile {
  return FAL_MODEL_PROFILES[endpointId] ?? GENERIC_PROFILE;
}

/**
 * The profile a route calls: the endpoint's, with the route option `max_images_per_call` (for an
 * operator's endpoint that takes `num_images`) applied.
 */
export function falProfileFor(endpointId: string, options: Record<string, unknown>): FalModelProfile {
  const profile = falModelProfile(endpointId);
  const perCall = options['max_images_per_call'];
  if (typeof perCall !== 'number' || !Number.isInteger(perCall) || perCall < 1) return profile;
  return { ...profile, maxImagesPerCall: perCall, sendsNumImages: profile.sendsNumImages || perCall > 1 };
}
