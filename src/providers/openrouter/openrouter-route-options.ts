import { z } from 'zod';
import { routerSettingsSchema } from '../provider-definition.js';

/** A route's options as the adapter reads them, computed once at boot. */
export interface OpenRouterRouteOptions {
  /**
   * The ratios the model takes in `image_config.aspect_ratio` (`16:9`); empty: the model has no
   * documented size control, so a requested size is dropped with a warning.
   */
  aspectRatios: ReadonlyArray<string>;
  /** Input images one chat message may carry; 0: text to image only. */
  maxInputImages: number;
  /** A chat completion answers with one image: the router fans out for more. */
  maxImagesPerCall: number;
}

const aspectRatio = z.string().regex(/^\d+:\d+$/, "must look like '16:9'");

export const openRouterRouteOptionsSchema = z
  .strictObject({
    aspect_ratios: z.array(aspectRatio).default([]),
    max_input_images: z.number().int().min(0).max(16).default(0),
    max_images_per_call: z.number().int().min(1).max(4).default(1),
  })
  .transform((options): OpenRouterRouteOptions => ({
    aspectRatios: options.aspect_ratios,
    maxInputImages: options.max_input_images,
    maxImagesPerCall: options.max_images_per_call,
  }));

/**
 * Loose: an instance may carry settings of the gateway itself (`max_retries`, `circuit_breaker`).
 * `site_url` and `app_name` become OpenRouter's attribution headers (`HTTP-Referer`, `X-Title`).
 */
export const openRouterSettingsSchema = routerSettingsSchema.extend({
  site_url: z.string().url().optional(),
  app_name: z.string().min(1).optional(),
});
export type OpenRouterSettings = z.infer<typeof openRouterSettingsSchema>;
