import { z } from 'zod';
import { routerSettingsSchema } from '../provider-definition.js';
import type { MaskConvention } from '../common/input-image-conversion.js';
import type { ParameterSpec } from './replicate-input-parameters.js';

/**
 * How one Replicate model takes its inputs. Every model has its own `openapi_schema`, so the
 * request builder is driven by the profile its catalog route states in `options:` (see
 * `src/catalog/models/replicate.yaml`): a new Replicate model is a YAML edit.
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

/** A route's options as parsed at boot: the model's profile, and timing knobs that override the instance's. */
export interface ReplicateRouteOptions {
  profile: ReplicateModelProfile;
  pollIntervalMs: number | undefined;
  waitSeconds: number | undefined;
  /** Hardware price of a community model: the cost is `metrics.predict_time` × this. */
  usdPerSecond: number | undefined;
}

/** What one call uses: the route's options with the instance's settings and the defaults filled in. */
export interface ResolvedReplicateRoute {
  profile: ReplicateModelProfile;
  pollIntervalMs: number;
  /** Upper bound of the sync wait, before the deadline shortens it. */
  waitSeconds: number;
  usdPerSecond: number | undefined;
}

/** Between polls of a running prediction. Replicate allows 3000 GETs a minute; its JS client polls every 500 ms. */
export const DEFAULT_POLL_INTERVAL_MS = 1000;
/** `Prefer: wait=N` accepts at most 60 seconds. */
export const MAX_WAIT_SECONDS = 60;

const positiveInteger = z.number().int().positive();
const inputName = z.string().min(1);
const pollIntervalMs = z.number().int().min(1).max(60_000);
const waitSeconds = z.number().int().min(0).max(MAX_WAIT_SECONDS);

const sizingSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('aspect_ratio'),
    ratios: z.array(z.string().regex(/^\d+(\.\d+)?:\d+(\.\d+)?$/, "must look like '16:9'")).min(1),
    pixels: z.record(z.string(), z.tuple([positiveInteger, positiveInteger])).optional(),
    megapixels: z.boolean().optional(),
  }),
  z.strictObject({ kind: z.literal('pixels'), multiple: positiveInteger, min: positiveInteger, max: positiveInteger }),
]);

const parameterSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.enum(['integer', 'number']), min: z.number().optional(), max: z.number().optional() }),
  z.strictObject({ type: z.literal('boolean') }),
  z.strictObject({ type: z.literal('string'), values: z.array(z.string()).min(1).optional() }),
]);

/**
 * A Replicate route's `options:`: the model's input profile (what its `openapi_schema` takes) and
 * the polling knobs. Strict, so a misspelt option stops the boot instead of being ignored.
 */
export const replicateRouteOptionsSchema = z
  .strictObject({
    sizing: sizingSchema,
    count: z.strictObject({ input: inputName, max: positiveInteger.max(16) }).optional(),
    output_formats: z
      .array(z.enum(['webp', 'jpg', 'png']))
      .min(1)
      .optional(),
    image: z.strictObject({ input: inputName, output_follows_image: z.boolean() }).optional(),
    mask: z.strictObject({ input: inputName, convention: z.enum(['white', 'black', 'alpha']) }).optional(),
    steps: z.strictObject({ input: inputName, low: positiveInteger, medium: positiveInteger, high: positiveInteger }).optional(),
    parameters: z.record(z.string(), parameterSchema).default({}),
    poll_interval_ms: pollIntervalMs.optional(),
    /** Longest sync wait (`Prefer: wait=N`); 0 sends no `Prefer` and polls from the start. */
    wait_seconds: waitSeconds.optional(),
    usd_per_second: z.number().positive().optional(),
  })
  .refine((options) => !options.mask || options.image, { message: 'a mask input needs an image input', path: ['mask'] })
  .transform((options): ReplicateRouteOptions => ({
    profile: {
      sizing: options.sizing,
      ...(options.count ? { count: options.count } : {}),
      ...(options.output_formats ? { outputFormats: options.output_formats } : {}),
      ...(options.image ? { image: { input: options.image.input, outputFollowsImage: options.image.output_follows_image } } : {}),
      ...(options.mask ? { mask: options.mask } : {}),
      ...(options.steps ? { steps: options.steps } : {}),
      parameters: options.parameters,
    },
    pollIntervalMs: options.poll_interval_ms,
    waitSeconds: options.wait_seconds,
    usdPerSecond: options.usd_per_second,
  }));

/** Instance `settings`: the timing knobs of every route without its own. */
export const replicateSettingsSchema = routerSettingsSchema.extend({
  poll_interval_ms: pollIntervalMs.optional(),
  wait_seconds: waitSeconds.optional(),
});
export type ReplicateSettings = z.infer<typeof replicateSettingsSchema>;

/** The route's options over the instance settings over the defaults. */
export function resolveReplicateRoute(options: ReplicateRouteOptions, settings: ReplicateSettings): ResolvedReplicateRoute {
  return {
    profile: options.profile,
    pollIntervalMs: options.pollIntervalMs ?? settings.poll_interval_ms ?? DEFAULT_POLL_INTERVAL_MS,
    waitSeconds: options.waitSeconds ?? settings.wait_seconds ?? MAX_WAIT_SECONDS,
    usdPerSecond: options.usdPerSecond,
  };
}
