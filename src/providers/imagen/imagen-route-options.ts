import { z } from 'zod';
import type { ImageSize } from '../../domain/image-request.js';
import type { GoogleSizeProfile } from '../gemini/google-image-size.js';

/**
 * What differs between Imagen models is data in the catalog route's `options`:
 *
 * ```yaml
 * options:
 *   image_sizes: [1K, 2K]          # parameters.sampleImageSize (Imagen 4 standard/ultra only)
 *   max_images_per_call: 4         # sampleCount cap (the Ultra preview took 1)
 *   person_generation: allow_adult # dont_allow | allow_adult | allow_all
 *   safety_setting: block_only_high
 * ```
 */

/** The five ratios every Imagen model takes. */
export const IMAGEN_ASPECT_RATIOS = ['1:1', '3:4', '4:3', '9:16', '16:9'] as const;
export const IMAGEN_TIERS = ['1K', '2K'] as const;
/** `sampleCount` is 1 to 4 on every Imagen model. */
export const IMAGEN_MAX_SAMPLE_COUNT = 4;
export const IMAGEN_PERSON_GENERATION = ['dont_allow', 'allow_adult', 'allow_all'] as const;
export const IMAGEN_SAFETY_SETTINGS = ['block_low_and_above', 'block_medium_and_above', 'block_only_high', 'block_none'] as const;

/** Imagen 4 output sizes at 1K (Imagen 3 and 4 Fast return the same); 2K doubles each edge. */
const IMAGEN_1K_SIZES: Readonly<Record<string, ImageSize>> = {
  '1:1': { width: 1024, height: 1024 },
  '3:4': { width: 896, height: 1280 },
  '4:3': { width: 1280, height: 896 },
  '9:16': { width: 768, height: 1408 },
  '16:9': { width: 1408, height: 768 },
};
const IMAGEN_TIER_SCALE: Readonly<Record<string, number>> = { '1K': 1, '2K': 2 };

export interface ImagenRouteOptions {
  imageSizes: ReadonlyArray<(typeof IMAGEN_TIERS)[number]>;
  maxImagesPerCall: number;
  personGeneration: (typeof IMAGEN_PERSON_GENERATION)[number] | undefined;
  safetySetting: (typeof IMAGEN_SAFETY_SETTINGS)[number] | undefined;
}

/** An Imagen route's `options:`, parsed once at boot (a bad one stops the boot naming it). */
export const imagenRouteOptionsSchema = z
  .strictObject({
    image_sizes: z.array(z.enum(IMAGEN_TIERS)).default([]),
    max_images_per_call: z.number().int().min(1).max(IMAGEN_MAX_SAMPLE_COUNT).default(IMAGEN_MAX_SAMPLE_COUNT),
    person_generation: z.enum(IMAGEN_PERSON_GENERATION).optional(),
    safety_setting: z.enum(IMAGEN_SAFETY_SETTINGS).optional(),
  })
  .transform((value): ImagenRouteOptions => ({
    imageSizes: value.image_sizes,
    maxImagesPerCall: value.max_images_per_call,
    personGeneration: value.person_generation,
    safetySetting: value.safety_setting,
  }));

/** The size profile of a route, for `chooseGoogleImageSize`. Without tiers the model returns 1K. */
export function imagenSizeProfile(options: ImagenRouteOptions): GoogleSizeProfile {
  return {
    aspectRatios: IMAGEN_ASPECT_RATIOS,
    tiers: options.imageSizes,
    outputSize: (aspectRatio, tier) => {
      const base = IMAGEN_1K_SIZES[aspectRatio];
      const scale = IMAGEN_TIER_SCALE[tier ?? '1K'];
      return base && scale ? { width: base.width * scale, height: base.height * scale } : undefined;
    },
  };
}
