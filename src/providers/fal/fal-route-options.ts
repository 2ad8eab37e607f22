import { z } from 'zod';
import type { ImageSize, Quality } from '../../domain/image-request.js';
import type { OutputFormat } from '../../domain/image-format.js';
import { routerSettingsSchema } from '../provider-definition.js';

/**
 * What one fal endpoint accepts. fal apps differ in every field (image input name, `image_size`
 * rules, step ranges, `num_images`), so each route states its endpoints' facts in `options:` (see
 * `src/catalog/models/fal.yaml`); an endpoint whose route states nothing gets the cautious defaults
 * of `falEndpointSchema` (one image per call, one `image_url`, no knobs guessed).
 */
export interface FalModelProfile {
  /** How input images travel: one `image_url`, a list `image_urls`, or not at all (text to image). */
  imageInput: 'none' | 'image_url' | 'image_urls';
  /** Most input images the endpoint takes. */
  maxInputImages: number;
  /** Edit-only endpoints fail without an image: refuse early with a 400 that names `image[]`. */
  requiresImage: boolean;
  /** Whether the endpoint takes `mask_url` (white = repaint). */
  takesMask: boolean;
  /** `num_images` upper bound; 1 with `sendsNumImages: false` for apps without the field. */
  maxImagesPerCall: number;
  sendsNumImages: boolean;
  size: FalSizeRule;
  /** `num_inference_steps` per quality; absent when the endpoint has no such knob. */
  steps?: Record<Exclude<Quality, 'auto'>, number>;
  /** `output_format` values the endpoint accepts; empty = never send it (the gateway converts). */
  outputFormats: ReadonlyArray<OutputFormat>;
  /** Extra OpenAI-style parameters passed through under the same name. */
  parameters: ReadonlyArray<string>;
  /** Inputs larger than this are scaled down first: image-to-image output follows the input size, and fal bills per megapixel. */
  maxInputPixels?: number;
  /** Styles with this prefix return SVG, which the gateway can't serve (Recraft's vector styles). */
  vectorStylePrefix?: string;
}

/**
 * How a requested size becomes `image_size`:
 * - `custom`: `{width, height}` rounded to `multiple`, scaled into [minPixels, maxPixels];
 *   `auto` sends `autoSize` (omitted: the model default; `fit_input`: image 1's shape within `maxPixels`).
 * - `input`: the endpoint has no size field; the output follows the input image.
 */
export type FalSizeRule =
  { kind: 'custom'; multiple: number; minPixels?: number; maxPixels?: number; autoSize?: ImageSize | 'fit_input' } | { kind: 'input' };

/** One endpoint a route may call, with what it accepts. */
export interface FalEndpoint {
  /** The endpoint id after the base URL, e.g. `fal-ai/flux/dev/image-to-image`. */
  model: string;
  profile: FalModelProfile;
}

/** A route's options as the adapter reads them, computed once at boot. */
export interface FalRouteOptions {
  /** What the route's own endpoint (its `model`) accepts. */
  profile: FalModelProfile;
  /** The endpoint for requests with input images (e.g. `fal-ai/flux/dev/image-to-image`). */
  edit: FalEndpoint | undefined;
  /** The endpoint for requests with a mask. */
  inpaint: FalEndpoint | undefined;
  /** Between status polls; the instance setting of the same name, then 1 s, apply without it. */
  pollIntervalMs: number | undefined;
  /** fal's own default (on) when neither the route nor the instance says. */
  enableSafetyChecker: boolean | undefined;
  /** Images come back as data URIs instead of CDN URLs. */
  syncMode: boolean;
  /** Fixed model inputs added to every request (e.g. `{acceleration: high}`); they win over ours. */
  input: Record<string, unknown> | undefined;
}

const positiveInteger = z.number().int().positive();
const pollIntervalMs = positiveInteger.max(60_000);

const sizeText = z
  .string()
  .regex(/^\d+x\d+$/, "must be 'fit_input' or 'WIDTHxHEIGHT'")
  .transform((text): ImageSize => {
    const [width = 0, height = 0] = text.split('x').map(Number);
    return { width, height };
  });

const sizeRuleSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('custom'),
    multiple: positiveInteger,
    min_pixels: positiveInteger.optional(),
    max_pixels: positiveInteger.optional(),
    /** What `size: auto` sends: a `WIDTHxHEIGHT`, or `fit_input` (image 1's shape within max_pixels). */
    auto_size: z.union([z.literal('fit_input'), sizeText]).optional(),
  }),
  z.strictObject({ kind: z.literal('input') }),
]);

/** The YAML fields describing one endpoint; the defaults are the cautious ones for an endpoint nobody described. */
const endpointShape = {
  image_input: z.enum(['none', 'image_url', 'image_urls']).default('image_url'),
  max_input_images: z.number().int().min(0).max(16).default(1),
  requires_image: z.boolean().default(false),
  mask: z.boolean().default(false),
  max_images_per_call: positiveInteger.max(16).default(1),
  /** Whether the app has `num_images`; default: when it makes more than one image per call. */
  num_images: z.boolean().optional(),
  size: sizeRuleSchema.default({ kind: 'custom', multiple: 8 }),
  steps: z.strictObject({ low: positiveInteger, medium: positiveInteger, high: positiveInteger }).optional(),
  output_formats: z.array(z.enum(['png', 'jpeg', 'webp'])).default([]),
  parameters: z.array(z.string().min(1)).default(['seed']),
  max_input_pixels: positiveInteger.optional(),
  vector_style_prefix: z.string().min(1).optional(),
};
type EndpointFields = z.output<z.ZodObject<typeof endpointShape>>;

function profileOf(fields: EndpointFields): FalModelProfile {
  const size: FalSizeRule =
    fields.size.kind === 'input'
      ? { kind: 'input' }
      : {
          kind: 'custom',
          multiple: fields.size.multiple,
          ...(fields.size.min_pixels === undefined ? {} : { minPixels: fields.size.min_pixels }),
          ...(fields.size.max_pixels === undefined ? {} : { maxPixels: fields.size.max_pixels }),
          ...(fields.size.auto_size === undefined ? {} : { autoSize: fields.size.auto_size }),
        };
  return {
    imageInput: fields.image_input,
    maxInputImages: fields.max_input_images,
    requiresImage: fields.requires_image,
    takesMask: fields.mask,
    maxImagesPerCall: fields.max_images_per_call,
    sendsNumImages: fields.num_images ?? fields.max_images_per_call > 1,
    size,
    ...(fields.steps === undefined ? {} : { steps: fields.steps }),
    outputFormats: fields.output_formats,
    parameters: fields.parameters,
    ...(fields.max_input_pixels === undefined ? {} : { maxInputPixels: fields.max_input_pixels }),
    ...(fields.vector_style_prefix === undefined ? {} : { vectorStylePrefix: fields.vector_style_prefix }),
  };
}

/** Another endpoint of the same route: its id and what it accepts. */
const otherEndpointSchema = z
  .strictObject({ model: z.string().min(1), ...endpointShape })
  .transform(({ model, ...fields }): FalEndpoint => ({ model, profile: profileOf(fields) }));

/**
 * A fal route's `options:`: the route's endpoint described by the top-level fields, its edit and
 * inpainting endpoints under `edit:` and `inpaint:`, and how the queue is used. Strict, so a
 * misspelt field stops the boot instead of being ignored.
 */
export const falRouteOptionsSchema = z
  .strictObject({
    ...endpointShape,
    edit: otherEndpointSchema.optional(),
    inpaint: otherEndpointSchema.optional(),
    poll_interval_ms: pollIntervalMs.optional(),
    enable_safety_checker: z.boolean().optional(),
    sync_mode: z.boolean().default(false),
    input: z.record(z.string(), z.unknown()).optional(),
  })
  .transform(({ edit, inpaint, poll_interval_ms, enable_safety_checker, sync_mode, input, ...fields }): FalRouteOptions => ({
    profile: profileOf(fields),
    edit,
    inpaint,
    pollIntervalMs: poll_interval_ms,
    enableSafetyChecker: enable_safety_checker,
    syncMode: sync_mode,
    input,
  }));

/** Instance settings: defaults for every route of the instance, and where the probe reads a price. */
export const falSettingsSchema = routerSettingsSchema.extend({
  poll_interval_ms: pollIntervalMs.optional(),
  enable_safety_checker: z.boolean().optional(),
  /** fal's Platform API, for `imagerouter doctor`. */
  platform_url: z.string().url().optional(),
});
export type FalSettings = z.infer<typeof falSettingsSchema>;
