import type { MaskConvention } from '../shared/input-image-conversion.js';
import type { ParameterSpec } from './replicate-input-parameters.js';

/**
 * How each Replicate model takes its inputs. Every model has its own `openapi_schema`, so the
 * request builder is driven by one of these profiles: chosen by the route option `profile`, or by
 * the exact `owner/name` of the upstream model in `DEFAULT_PROFILES`. Sources: the wire-format
 * doc (flux-schnell, flux-dev, sdxl) and the models' API pages on replicate.com (sd3.5-large
 * version feb36d70, luma/photon), read 2026.
 */

export type ReplicateOutputFormat = 'webp' | 'jpg' | 'png';

export interface AspectRatioSizing {
  kind: 'aspect_ratio';
  /** The `aspect_ratio` enum. */
  ratios: ReadonlyArray<string>;
  /** Pixel size rendered for each ratio at 1 megapixel, when known: size warnings are then exact. */
  pixels?: Readonly<Record<string, readonly [number, number]>>;
  /** The model takes `megapixels` `"1"` or `"0.25"` (the latter halves each edge). */
  megapixels?: boolean;
}

export interface PixelSizing {
  kind: 'pixels';
  /** `width`/`height` are rounded to this multiple and clamped to [min, max]. */
  multiple: number;
  min: number;
  max: number;
}

export interface ReplicateModelProfile {
  /** The value of the route option `profile`. */
  name: string;
  sizing: AspectRatioSizing | PixelSizing;
  /** Input that takes the number of images, and its maximum; absent: one image per prediction. */
  count?: { input: string; max: number };
  /** The `output_format` enum; absent: the model has one output format (the gateway converts). */
  outputFormats?: ReadonlyArray<ReplicateOutputFormat>;
  /** Input that takes image 1 as a data URI; absent: text to image only. */
  image?: {
    input: string;
    /** The model ignores its size inputs when given an image: the output follows the image. */
    outputFollowsImage: boolean;
  };
  /** Input that takes the mask, and the convention it is drawn in. */
  mask?: { input: string; convention: MaskConvention };
  /** `quality` low/medium/high → denoising steps; absent: the model has no quality knob. */
  steps?: { input: string; low: number; medium: number; high: number };
  /** Other inputs a client may set by name (validated here, not upstream). */
  parameters: Readonly<Record<string, ParameterSpec>>;
}

/** FLUX's `aspect_ratio` enum and the pixel sizes cog-flux renders at 1 MP. */
const FLUX_PIXELS: Readonly<Record<string, readonly [number, number]>> = {
  '1:1': [1024, 1024],
  '16:9': [1344, 768],
  '21:9': [1536, 640],
  '3:2': [1216, 832],
  '2:3': [832, 1216],
  '4:5': [896, 1088],
  '5:4': [1088, 896],
  '3:4': [896, 1152],
  '4:3': [1152, 896],
  '9:16': [768, 1344],
  '9:21': [640, 1536],
};

const SEED: ParameterSpec = { type: 'integer', min: 0, max: 2 ** 32 - 1 };
const UNIT_INTERVAL: ParameterSpec = { type: 'number', min: 0, max: 1 };

const FLUX_SCHNELL: ReplicateModelProfile = {
  name: 'flux-schnell',
  sizing: { kind: 'aspect_ratio', ratios: Object.keys(FLUX_PIXELS), pixels: FLUX_PIXELS, megapixels: true },
  count: { input: 'num_outputs', max: 4 },
  outputFormats: ['webp', 'jpg', 'png'],
  // Schnell is distilled to 1-4 steps (default 4).
  steps: { input: 'num_inference_steps', low: 2, medium: 3, high: 4 },
  parameters: {
    seed: SEED,
    output_quality: { type: 'integer', min: 0, max: 100 },
    go_fast: { type: 'boolean' },
    megapixels: { type: 'string', values: ['1', '0.25'] },
    num_inference_steps: { type: 'integer', min: 1, max: 4 },
  },
};

const FLUX_DEV: ReplicateModelProfile = {
  ...FLUX_SCHNELL,
  name: 'flux-dev',
  image: { input: 'image', outputFollowsImage: true },
  steps: { input: 'num_inference_steps', low: 16, medium: 28, high: 40 },
  parameters: {
    ...FLUX_SCHNELL.parameters,
    num_inference_steps: { type: 'integer', min: 1, max: 50 },
    guidance: { type: 'number', min: 0, max: 10 },
    prompt_strength: UNIT_INTERVAL,
  },
};

const SDXL: ReplicateModelProfile = {
  name: 'sdxl',
  sizing: { kind: 'pixels', multiple: 8, min: 512, max: 2048 },
  count: { input: 'num_outputs', max: 4 },
  // cog-sdxl passes width/height only to text to image; img2img and inpainting keep the image's size.
  image: { input: 'image', outputFollowsImage: true },
  mask: { input: 'mask', convention: 'white' },
  steps: { input: 'num_inference_steps', low: 20, medium: 30, high: 50 },
  parameters: {
    seed: SEED,
    negative_prompt: { type: 'string' },
    prompt_strength: UNIT_INTERVAL,
    guidance_scale: { type: 'number', min: 1, max: 50 },
    num_inference_steps: { type: 'integer', min: 1, max: 500 },
    scheduler: { type: 'string', values: ['DDIM', 'DPMSolverMultistep', 'HeunDiscrete', 'KarrasDPM', 'K_EULER_ANCESTRAL', 'K_EULER', 'PNDM'] },
    refine: { type: 'string', values: ['no_refiner', 'expert_ensemble_refiner', 'base_image_refiner'] },
    high_noise_frac: UNIT_INTERVAL,
  },
};

const SD35: ReplicateModelProfile = {
  name: 'sd3.5',
  sizing: { kind: 'aspect_ratio', ratios: ['1:1', '16:9', '21:9', '3:2', '2:3', '4:5', '5:4', '9:16', '9:21'] },
  outputFormats: ['webp', 'jpg', 'png'],
  image: { input: 'image', outputFollowsImage: true },
  parameters: {
    seed: SEED,
    negative_prompt: { type: 'string' },
    cfg: { type: 'number', min: 1, max: 10 },
    prompt_strength: UNIT_INTERVAL,
  },
};

const PHOTON: ReplicateModelProfile = {
  name: 'photon',
  sizing: { kind: 'aspect_ratio', ratios: ['1:1', '3:4', '4:3', '9:16', '16:9', '9:21', '21:9'] },
  // A reference that guides the generation; the aspect ratio still applies.
  image: { input: 'image_reference', outputFollowsImage: false },
  parameters: { seed: SEED, image_reference_weight: UNIT_INTERVAL },
};

export const REPLICATE_PROFILES: ReadonlyArray<ReplicateModelProfile> = [FLUX_SCHNELL, FLUX_DEV, SDXL, SD35, PHOTON];

/** Profiles of the models the built-in catalog routes to, by exact `owner/name` (version ignored). */
const DEFAULT_PROFILES: Readonly<Record<string, ReplicateModelProfile>> = {
  'black-forest-labs/flux-schnell': FLUX_SCHNELL,
  'black-forest-labs/flux-dev': FLUX_DEV,
  'stability-ai/sdxl': SDXL,
  'stability-ai/stable-diffusion-3.5-large': SD35,
  'luma/photon': PHOTON,
  'luma/photon-flash': PHOTON,
};

/** The route's `profile` option if set, else the default for the model; `undefined` if neither. */
export function resolveProfile(upstreamModel: string, profileName: string | undefined): ReplicateModelProfile | undefined {
  if (profileName !== undefined) return REPLICATE_PROFILES.find((profile) => profile.name === profileName);
  const modelName = upstreamModel.split(':')[0] ?? upstreamModel;
  return DEFAULT_PROFILES[modelName];
}
