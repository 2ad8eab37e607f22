import { z } from 'zod';
import { routerSettingsSchema } from '../provider-definition.js';

/** Formats Stability's v2beta endpoints write (`output_format`). */
export const STABILITY_OUTPUT_FORMATS = ['png', 'jpeg', 'webp'] as const;
export type StabilityOutputFormat = (typeof STABILITY_OUTPUT_FORMATS)[number];

/**
 * How an endpoint takes an input image: not at all, Ultra's `image` + `strength` (no `mode`), SD3's
 * `mode=image-to-image` + `image` + `strength`, or as the image an edit endpoint works on.
 */
export type StabilityImageInput = 'none' | 'strength' | 'mode' | 'edit';

/**
 * What the request builder must know about one v2beta endpoint (`src/catalog/models/stability.yaml`
 * states it per route): the endpoints share auth, multipart and the response, but each takes its
 * own fields, so a new endpoint is a YAML edit.
 */
export interface StabilityRouteOptions {
  /** Name used in warnings and errors, e.g. `Stable Image Core`. */
  title: string;
  /** The path under `/v2beta/stable-image/`, e.g. `generate/core` or `edit/inpaint`. */
  path: string;
  /** `required`: the endpoint refuses a request without one; `none`: it has no prompt field. */
  prompt: 'required' | 'none';
  /** Whether the route's upstream model goes in the `model` field (SD3.5's one endpoint serves four). */
  modelField: boolean;
  /** Whether text to image takes `aspect_ratio` (never sent with an input image). */
  aspectRatio: boolean;
  image: StabilityImageInput;
  /** `strength` sent with an input image when the client gives none (Stability requires one). */
  defaultStrength: number | undefined;
  /** Whether the endpoint takes a grayscale `mask` (white = edit) or the image's alpha. */
  mask: boolean;
  /** Highest `grow_mask`; undefined: the endpoint has no such field. */
  growMaskMax: number | undefined;
  /** Whether the endpoint needs `search_prompt` (search-and-replace). */
  searchPrompt: boolean;
  negativePrompt: boolean;
  stylePreset: boolean;
  seed: boolean;
  /** Whether the endpoint takes `cfg_scale` (SD3.5). */
  cfgScale: boolean;
  /** What `output_format` may be here (remove-background writes no JPEG); the first is the fallback. */
  outputFormats: readonly StabilityOutputFormat[];
}

const pathSchema = z.string().regex(/^(generate|edit|control|upscale)\/[a-z0-9-]+$/, "must look like 'generate/core' or 'edit/inpaint'");

/** A Stability route's `options:`. Strict, so a misspelt field stops the boot. */
export const stabilityRouteOptionsSchema = z
  .strictObject({
    title: z.string().min(1),
    path: pathSchema,
    prompt: z.enum(['required', 'none']).default('required'),
    model_field: z.boolean().default(false),
    aspect_ratio: z.boolean().default(false),
    image: z.enum(['none', 'strength', 'mode', 'edit']).default('none'),
    default_strength: z.number().min(0).max(1).optional(),
    mask: z.boolean().default(false),
    grow_mask_max: z.number().int().min(0).max(100).optional(),
    search_prompt: z.boolean().default(false),
    negative_prompt: z.boolean().default(false),
    style_preset: z.boolean().default(false),
    seed: z.boolean().default(true),
    cfg_scale: z.boolean().default(false),
    output_formats: z.array(z.enum(STABILITY_OUTPUT_FORMATS)).min(1).default(['png', 'jpeg', 'webp']),
  })
  .refine((options) => (options.image === 'strength' || options.image === 'mode') === (options.default_strength !== undefined), {
    message: 'an image-to-image endpoint (image: strength or mode) needs default_strength; other endpoints take none',
    path: ['default_strength'],
  })
  .refine((options) => !options.mask || options.image === 'edit', {
    message: 'a mask applies to the image an edit endpoint works on: mask needs image: edit',
    path: ['mask'],
  })
  .transform((options): StabilityRouteOptions => ({
    title: options.title,
    path: options.path,
    prompt: options.prompt,
    modelField: options.model_field,
    aspectRatio: options.aspect_ratio,
    image: options.image,
    defaultStrength: options.default_strength,
    mask: options.mask,
    growMaskMax: options.grow_mask_max,
    searchPrompt: options.search_prompt,
    negativePrompt: options.negative_prompt,
    stylePreset: options.style_preset,
    seed: options.seed,
    cfgScale: options.cfg_scale,
    outputFormats: options.output_formats,
  }));

/** Instance settings: only the gateway's own (`max_retries`, `circuit_breaker`). */
export const stabilitySettingsSchema = routerSettingsSchema;
export type StabilitySettings = z.infer<typeof stabilitySettingsSchema>;
