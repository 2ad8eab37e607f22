import { z } from 'zod';
import type { ImageSize } from '../../domain/image-request.js';
import type { QualitySteps } from '../common/quality-steps.js';
import { routerSettingsSchema } from '../provider-definition.js';

/**
 * What differs between Runware's models is data in the catalog route's `options:` (the route's
 * `model` is the AIR id, e.g. `runware:100@1`):
 *
 * ```yaml
 * options:
 *   default_size: { width: 1024, height: 1024 }   # what `size: auto` draws
 *   min_edge: 128                                  # width/height are rounded to multiples of 64 within these
 *   max_edge: 2048
 *   quality_steps: { low: 1, medium: 4, high: 8 }  # absent: the model's default steps
 *   max_images_per_call: 4                         # numberResults cap
 *   image_input: seed                              # none | seed (seedImage + strength) | reference (referenceImages)
 *   mask: true                                     # takes maskImage (image_input: seed only)
 *   strength: 0.8                                  # seedImage strength when the client sends none
 *   cfg_scale: 3.5                                 # absent: the model's default
 * ```
 */
export interface RunwareRouteOptions {
  defaultSize: ImageSize;
  minEdge: number;
  maxEdge: number;
  qualitySteps: QualitySteps | undefined;
  maxImagesPerCall: number;
  imageInput: 'none' | 'seed' | 'reference';
  mask: boolean;
  strength: number;
  cfgScale: number | undefined;
}

/** Runware wants widths and heights in multiples of 64, for every model. */
export const RUNWARE_SIZE_MULTIPLE = 64;

const edge = z
  .number()
  .int()
  .min(64)
  .max(8192)
  .refine((value) => value % RUNWARE_SIZE_MULTIPLE === 0, { message: 'must be a multiple of 64' });
const steps = z.number().int().min(1).max(100);

/** Strict, so a misspelt option stops the boot instead of being ignored. */
export const runwareRouteOptionsSchema = z
  .strictObject({
    default_size: z.strictObject({ width: edge, height: edge }).default({ width: 1024, height: 1024 }),
    min_edge: edge.default(128),
    max_edge: edge.default(2048),
    quality_steps: z.strictObject({ low: steps, medium: steps, high: steps }).optional(),
    max_images_per_call: z.number().int().min(1).max(20).default(4),
    image_input: z.enum(['none', 'seed', 'reference']).default('none'),
    mask: z.boolean().default(false),
    strength: z.number().min(0).max(1).default(0.8),
    cfg_scale: z.number().min(0).max(30).optional(),
  })
  .refine((options) => !options.mask || options.image_input === 'seed', {
    message: 'mask needs image_input: seed (maskImage applies to seedImage)',
    path: ['mask'],
  })
  .refine((options) => options.min_edge <= options.max_edge, { message: 'must not exceed max_edge', path: ['min_edge'] })
  .transform((options): RunwareRouteOptions => ({
    defaultSize: options.default_size,
    minEdge: options.min_edge,
    maxEdge: options.max_edge,
    qualitySteps: options.quality_steps,
    maxImagesPerCall: options.max_images_per_call,
    imageInput: options.image_input,
    mask: options.mask,
    strength: options.strength,
    cfgScale: options.cfg_scale,
  }));

/** Loose: an instance may carry settings of the gateway itself (`max_retries`, `circuit_breaker`). */
export const runwareSettingsSchema = routerSettingsSchema;
export type RunwareSettings = z.infer<typeof runwareSettingsSchema>;
