import { z } from 'zod';
import type { Quality } from '../../domain/image-request.js';
import { routerSettingsSchema } from '../provider-definition.js';

/**
 * What the request builder must know about one BFL endpoint. BFL's endpoints share a submit/poll
 * flow but differ in schema (sizes, image fields, knobs); each catalog route states its endpoint's
 * facts in `options:` (see `src/catalog/models/bfl.yaml`), so a new endpoint is a YAML edit.
 */
export interface BflModelSpec {
  /** Human name used in warnings, e.g. `FLUX.1 Kontext`. */
  title: string;
  /**
   * How a size is sent: `pixels` (`width`/`height` rounded to `multiple` within bounds),
   * `aspect_ratio` (a `W:H` string, the model picks the pixels) or `input` (output = input size).
   */
  size:
    | { kind: 'pixels'; multiple: number; min: number; max: number | undefined; maxPixels: number | undefined }
    | { kind: 'aspect_ratio' }
    | { kind: 'input' };
  /** Field of the first input image: `input_image` (+ `input_image_2`…), or Fill's `image`. */
  imageField: 'input_image' | 'image' | undefined;
  /** Most input images the endpoint takes (`input_image` … `input_image_N`). */
  maxInputImages: number;
  /** Whether the endpoint takes a mask (white = edit). */
  mask: boolean;
  /** FLUX.2 and Kontext refuse a missing prompt; FLUX1.1 and Fill default it to "". */
  promptRequired: boolean;
  /** Highest `safety_tolerance` (0 = strictest): 6 on FLUX.1-era endpoints, 5 on FLUX.2. */
  safetyToleranceMax: number;
  /**
   * How `prompt_upsampling` reaches the endpoint: as itself, inverted into FLUX.2 pro/max's
   * `disable_pup` (upsampling is on by default there), or not at all (klein has no such knob).
   */
  promptUpsampling: 'prompt_upsampling' | 'disable_pup' | undefined;
  /** Ultra's `raw` ("candid" look) switch. */
  raw: boolean;
  /** `steps` per quality, for endpoints that have the knob; `auto` keeps the endpoint's default. */
  qualitySteps: Record<Exclude<Quality, 'auto'>, number> | undefined;
}

/** A route's options as the adapter reads them: the endpoint's spec, computed once at boot. */
export interface BflRouteOptions {
  spec: BflModelSpec;
  /** Between polls of a task; the instance setting of the same name, then 500 ms, apply without it. */
  pollIntervalMs: number | undefined;
}

const positiveInteger = z.number().int().positive();
const pollIntervalMs = positiveInteger.max(60_000);

const sizeSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('pixels'),
    /** Width and height are rounded to this multiple… */
    multiple: positiveInteger,
    /** …kept within these edge bounds… */
    min: positiveInteger,
    max: positiveInteger.optional(),
    /** …and scaled down (keeping the ratio) to at most this many pixels. */
    max_pixels: positiveInteger.optional(),
  }),
  z.strictObject({ kind: z.literal('aspect_ratio') }),
  z.strictObject({ kind: z.literal('input') }),
]);

/**
 * A BFL route's `options:`. Strict, so a misspelt field stops the boot instead of being ignored;
 * the YAML names mirror `BflModelSpec`.
 */
export const bflRouteOptionsSchema = z
  .strictObject({
    title: z.string().min(1),
    size: sizeSchema,
    image_field: z.enum(['input_image', 'image']).optional(),
    max_input_images: z.number().int().min(0).max(16).default(0),
    mask: z.boolean().default(false),
    prompt_required: z.boolean(),
    safety_tolerance_max: z.number().int().min(0).max(6),
    /** `none`: the endpoint has no upsampling knob, and the parameter is dropped with a warning. */
    prompt_upsampling: z.enum(['prompt_upsampling', 'disable_pup', 'none']),
    raw: z.boolean().default(false),
    quality_steps: z.strictObject({ low: positiveInteger, medium: positiveInteger, high: positiveInteger }).optional(),
    poll_interval_ms: pollIntervalMs.optional(),
  })
  .refine((options) => (options.image_field === undefined) === (options.max_input_images === 0), {
    message: 'an endpoint that takes images needs both image_field and max_input_images (at least 1); one without needs neither',
    path: ['image_field'],
  })
  .refine((options) => !options.mask || options.image_field === 'image', {
    message: "a mask goes with Fill's form: image_field must be 'image'",
    path: ['mask'],
  })
  .transform((options): BflRouteOptions => ({
    spec: {
      title: options.title,
      size:
        options.size.kind === 'pixels'
          ? {
              kind: 'pixels',
              multiple: options.size.multiple,
              min: options.size.min,
              max: options.size.max,
              maxPixels: options.size.max_pixels,
            }
          : options.size,
      imageField: options.image_field,
      maxInputImages: options.max_input_images,
      mask: options.mask,
      promptRequired: options.prompt_required,
      safetyToleranceMax: options.safety_tolerance_max,
      promptUpsampling: options.prompt_upsampling === 'none' ? undefined : options.prompt_upsampling,
      raw: options.raw,
      qualitySteps: options.quality_steps,
    },
    pollIntervalMs: options.poll_interval_ms,
  }));

/** Instance settings: the poll interval of every route without its own. */
export const bflSettingsSchema = routerSettingsSchema.extend({ poll_interval_ms: pollIntervalMs.optional() });
export type BflSettings = z.infer<typeof bflSettingsSchema>;
