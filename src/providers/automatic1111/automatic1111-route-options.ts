import { z } from 'zod';
import type { ImageSize } from '../../domain/image-request.js';
import type { QualitySteps } from '../common/quality-steps.js';
import { gpuTimeSettingsShape } from '../common/gpu-time-settings.js';
import { routerSettingsSchema } from '../provider-definition.js';

/**
 * What differs between checkpoints on an SD WebUI server is data in the catalog route's `options:`
 * (the route's `model` is the checkpoint title, sent as `override_settings.sd_model_checkpoint`):
 *
 * ```yaml
 * options:
 *   default_size: { width: 512, height: 512 }   # what `size: auto` draws (1024 for SDXL)
 *   size_multiple: 8                              # width/height are rounded to it
 *   quality_steps: { low: 15, medium: 25, high: 40 }
 *   max_images_per_call: 4                        # batch_size cap (VRAM)
 *   sampler_name: "DPM++ 2M"                      # absent: the server's default
 *   scheduler: Karras
 *   cfg_scale: 7
 *   denoising_strength: 0.75                      # img2img / inpaint default
 *   switch_checkpoint: true                       # false: use whatever checkpoint is loaded
 * ```
 */
export interface Automatic1111RouteOptions {
  defaultSize: ImageSize;
  sizeMultiple: number;
  qualitySteps: QualitySteps;
  maxImagesPerCall: number;
  samplerName: string | undefined;
  scheduler: string | undefined;
  cfgScale: number | undefined;
  denoisingStrength: number;
  switchCheckpoint: boolean;
}

/** The wire doc's suggestion for a server with no native quality field. */
const DEFAULT_QUALITY_STEPS = { low: 15, medium: 25, high: 40 };
const DEFAULT_DENOISING_STRENGTH = 0.75;

const edge = z.number().int().min(64).max(8192);
const steps = z.number().int().min(1).max(150);

/** Strict, so a misspelt option stops the boot instead of being ignored. */
export const automatic1111RouteOptionsSchema = z
  .strictObject({
    default_size: z.strictObject({ width: edge, height: edge }).default({ width: 512, height: 512 }),
    size_multiple: z.number().int().min(8).max(256).default(8),
    quality_steps: z.strictObject({ low: steps, medium: steps, high: steps }).default(DEFAULT_QUALITY_STEPS),
    max_images_per_call: z.number().int().min(1).max(16).default(4),
    sampler_name: z.string().min(1).optional(),
    scheduler: z.string().min(1).optional(),
    cfg_scale: z.number().min(1).max(30).optional(),
    denoising_strength: z.number().min(0).max(1).default(DEFAULT_DENOISING_STRENGTH),
    switch_checkpoint: z.boolean().default(true),
  })
  .refine(
    (options) => options.default_size.width % options.size_multiple === 0 && options.default_size.height % options.size_multiple === 0,
    {
      message: 'default_size must be a multiple of size_multiple',
      path: ['default_size'],
    },
  )
  .transform((options): Automatic1111RouteOptions => ({
    defaultSize: options.default_size,
    sizeMultiple: options.size_multiple,
    qualitySteps: options.quality_steps,
    maxImagesPerCall: options.max_images_per_call,
    samplerName: options.sampler_name,
    scheduler: options.scheduler,
    cfgScale: options.cfg_scale,
    denoisingStrength: options.denoising_strength,
    switchCheckpoint: options.switch_checkpoint,
  }));

/**
 * Loose: an instance may carry settings of the gateway itself (`max_retries`, `circuit_breaker`);
 * `gpu_second_usd` / `max_gpu_seconds` price its GPU time.
 */
export const automatic1111SettingsSchema = routerSettingsSchema.extend(gpuTimeSettingsShape);
export type Automatic1111Settings = z.infer<typeof automatic1111SettingsSchema>;
