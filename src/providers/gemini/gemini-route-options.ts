import { z } from 'zod';
import type { ImageSize } from '../../domain/image-request.js';
import type { GoogleSizeProfile } from './google-image-size.js';

/**
 * What differs between Gemini image models is data in the catalog route's `options`, not code
 * keyed on model ids (ids churn: preview → GA → shutdown). Defaults describe Gemini 2.5 Flash
 * Image, the oldest model still served:
 *
 * ```yaml
 * options:
 *   image_sizes: [1K, 2K, 4K]    # tiers for imageConfig.imageSize; none → the field is not sent
 *   aspect_ratios: [1:1, ...]    # default: the ten ratios every Gemini image model takes
 *   size_table: gemini-3         # documented output sizes, for warnings (default by image_sizes)
 *   response_modalities: [IMAGE] # or [TEXT, IMAGE]
 *   thinking_level: HIGH         # Gemini 3.x only: thinkingConfig.thinkingLevel
 * ```
 */

/** Ratios all Gemini image models accept (Gemini 3.1 Flash adds 1:4, 4:1, 1:8 and 8:1). */
export const GEMINI_ASPECT_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'] as const;

/** Gemini 2.5 Flash Image output sizes (one fixed tier, 1290 output tokens each). */
const GEMINI_25_SIZES: Readonly<Record<string, ImageSize>> = {
  '1:1': { width: 1024, height: 1024 },
  '2:3': { width: 832, height: 1248 },
  '3:2': { width: 1248, height: 832 },
  '3:4': { width: 864, height: 1184 },
  '4:3': { width: 1184, height: 864 },
  '4:5': { width: 896, height: 1152 },
  '5:4': { width: 1152, height: 896 },
  '9:16': { width: 768, height: 1344 },
  '16:9': { width: 1344, height: 768 },
  '21:9': { width: 1536, height: 672 },
};

/** Gemini 3 image output sizes at 1K; 2K doubles and 4K quadruples each edge. */
const GEMINI_3_1K_SIZES: Readonly<Record<string, ImageSize>> = {
  '1:1': { width: 1024, height: 1024 },
  '2:3': { width: 848, height: 1264 },
  '3:2': { width: 1264, height: 848 },
  '3:4': { width: 896, height: 1200 },
  '4:3': { width: 1200, height: 896 },
  '4:5': { width: 928, height: 1152 },
  '5:4': { width: 1152, height: 928 },
  '9:16': { width: 768, height: 1376 },
  '16:9': { width: 1376, height: 768 },
  '21:9': { width: 1584, height: 672 },
};

/** Edge multipliers of the Gemini 3 table. `512` is missing on purpose: its sizes are not documented. */
const GEMINI_3_TIER_SCALE: Readonly<Record<string, number>> = { '1K': 1, '2K': 2, '4K': 4 };

export const GEMINI_TIERS = ['512', '1K', '2K', '4K'] as const;
export const GEMINI_SIZE_TABLES = ['gemini-2.5', 'gemini-3'] as const;
export const GEMINI_RESPONSE_MODALITIES = ['TEXT', 'IMAGE'] as const;
export const GEMINI_THINKING_LEVELS = ['MINIMAL', 'LOW', 'MEDIUM', 'HIGH'] as const;

const ratioText = z.string().regex(/^\d+:\d+$/, "must look like '16:9'");

export interface GeminiRouteOptions {
  imageSizes: ReadonlyArray<(typeof GEMINI_TIERS)[number]>;
  aspectRatios: ReadonlyArray<string>;
  sizeTable: (typeof GEMINI_SIZE_TABLES)[number];
  responseModalities: ReadonlyArray<(typeof GEMINI_RESPONSE_MODALITIES)[number]>;
  thinkingLevel: (typeof GEMINI_THINKING_LEVELS)[number] | undefined;
}

/** A Gemini route's `options:`, parsed once at boot (a bad one stops the boot naming it). */
export const geminiRouteOptionsSchema = z
  .strictObject({
    image_sizes: z.array(z.enum(GEMINI_TIERS)).default([]),
    aspect_ratios: z
      .array(ratioText)
      .min(1)
      .default([...GEMINI_ASPECT_RATIOS]),
    size_table: z.enum(GEMINI_SIZE_TABLES).optional(),
    response_modalities: z
      .array(z.enum(GEMINI_RESPONSE_MODALITIES))
      .refine((modalities) => modalities.includes('IMAGE'), 'must include IMAGE')
      .default(['IMAGE']),
    thinking_level: z.enum(GEMINI_THINKING_LEVELS).optional(),
  })
  .transform((value): GeminiRouteOptions => ({
    imageSizes: value.image_sizes,
    aspectRatios: value.aspect_ratios,
    // Models with tiers are Gemini 3 models; 2.5 Flash Image has one fixed tier.
    sizeTable: value.size_table ?? (value.image_sizes.length > 0 ? 'gemini-3' : 'gemini-2.5'),
    responseModalities: value.response_modalities,
    thinkingLevel: value.thinking_level,
  }));

/** The size profile of a route, for `chooseGoogleImageSize`. */
export function geminiSizeProfile(options: GeminiRouteOptions): GoogleSizeProfile {
  return {
    aspectRatios: options.aspectRatios,
    tiers: options.imageSizes,
    outputSize: (aspectRatio, tier) => {
      if (options.sizeTable === 'gemini-2.5') return GEMINI_25_SIZES[aspectRatio];
      const base = GEMINI_3_1K_SIZES[aspectRatio];
      const scale = GEMINI_3_TIER_SCALE[tier ?? '1K'];
      return base && scale ? { width: base.width * scale, height: base.height * scale } : undefined;
    },
  };
}
