import { z } from 'zod';
import { routerSettingsSchema } from '../provider-definition.js';

/** Ideogram's V3 speed tiers; `DEFAULT` is what its app and Replicate call "Balanced". */
export const RENDERING_SPEEDS = ['FLASH', 'TURBO', 'DEFAULT', 'QUALITY'] as const;
export type RenderingSpeed = (typeof RENDERING_SPEEDS)[number];

/** The aspect ratios V3 generate and remix take, written with Ideogram's `x` separator. */
export const V3_ASPECT_RATIOS = [
  '1x3',
  '3x1',
  '1x2',
  '2x1',
  '9x16',
  '16x9',
  '10x16',
  '16x10',
  '2x3',
  '3x2',
  '3x4',
  '4x3',
  '4x5',
  '5x4',
  '1x1',
] as const;

/** A route's options as the adapter reads them, computed once at boot. */
export interface IdeogramRouteOptions {
  /** Fixed by the route (one catalog model per tier), or `undefined`: chosen from the request's quality. */
  renderingSpeed: RenderingSpeed | undefined;
  aspectRatios: ReadonlyArray<string>;
  maxImagesPerCall: number;
  /** Sent with every text-to-image request unless the client sends one (`OFF` keeps prompts as written). */
  magicPrompt: 'AUTO' | 'ON' | 'OFF' | undefined;
  /** Remix strength when the client sends no `image_weight`. */
  imageWeight: number;
}

const aspectRatio = z.string().regex(/^\d+x\d+$/, "must look like '16x9'");

export const ideogramRouteOptionsSchema = z
  .strictObject({
    rendering_speed: z.enum(RENDERING_SPEEDS).optional(),
    aspect_ratios: z
      .array(aspectRatio)
      .min(1)
      .default([...V3_ASPECT_RATIOS]),
    max_images_per_call: z.number().int().min(1).max(8).default(8),
    magic_prompt: z.enum(['AUTO', 'ON', 'OFF']).optional(),
    image_weight: z.number().int().min(1).max(100).default(50),
  })
  .transform((options): IdeogramRouteOptions => ({
    renderingSpeed: options.rendering_speed,
    aspectRatios: options.aspect_ratios,
    maxImagesPerCall: options.max_images_per_call,
    magicPrompt: options.magic_prompt,
    imageWeight: options.image_weight,
  }));

/** Loose: an instance may carry settings of the gateway itself (`max_retries`, `circuit_breaker`). */
export const ideogramSettingsSchema = routerSettingsSchema;
export type IdeogramSettings = z.infer<typeof ideogramSettingsSchema>;
