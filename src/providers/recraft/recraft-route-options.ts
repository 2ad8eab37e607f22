import { z } from 'zod';
import { routerSettingsSchema } from '../provider-definition.js';

/** A route's options as the adapter reads them, computed once at boot. */
export interface RecraftRouteOptions {
  /** The model's fixed size table (`WxH`); any requested size is sent as the nearest entry. */
  sizes: ReadonlyArray<string>;
  maxImagesPerCall: number;
  /** 1000 for V2/V3, 10,000 for V4 and later. */
  maxPromptLength: number;
  /** V2/V3 take `style`, `substyle` and `negative_prompt`; V4+ refuse or ignore them. */
  styleControls: boolean;
  /** The model is allowed on `POST /images/imageToImage`. */
  imageToImage: boolean;
  /** The model is allowed on `POST /images/inpaint` (V3 only). */
  inpaint: boolean;
  /** `strength` for image to image when the client sends none (0 ≈ identical, 1 ≈ unrelated). */
  strength: number;
}

const size = z.string().regex(/^\d+x\d+$/, "must look like '1024x1024'");

export const recraftRouteOptionsSchema = z
  .strictObject({
    sizes: z.array(size).min(1),
    max_images_per_call: z.number().int().min(1).max(6).default(6),
    max_prompt_length: z.number().int().positive().default(1000),
    style_controls: z.boolean().default(false),
    image_to_image: z.boolean().default(false),
    inpaint: z.boolean().default(false),
    strength: z.number().min(0).max(1).default(0.5),
  })
  .transform((options): RecraftRouteOptions => ({
    sizes: options.sizes,
    maxImagesPerCall: options.max_images_per_call,
    maxPromptLength: options.max_prompt_length,
    styleControls: options.style_controls,
    imageToImage: options.image_to_image,
    inpaint: options.inpaint,
    strength: options.strength,
  }));

/** Loose: an instance may carry settings of the gateway itself (`max_retries`, `circuit_breaker`). */
export const recraftSettingsSchema = routerSettingsSchema;
export type RecraftSettings = z.infer<typeof recraftSettingsSchema>;
