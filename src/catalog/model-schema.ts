import { z } from 'zod';
import { OUTPUT_FORMATS, RASTER_OUTPUT_FORMATS } from '../domain/image-format.js';

/**
 * The schema of one catalog model, as written in YAML (`src/catalog/models/*.yaml`) and in the
 * operator's `IMAGEROUTER_CONFIG`. Prices are USD decimals in files and integer micro-USD inside.
 *
 * Objects are strict: an unknown key is an error at boot, because a misspelt `prcing:` would
 * otherwise be dropped silently and leave a route unpriced or a capability at its default.
 */

const usd = z.number().nonnegative();

/** A calendar date, `YYYY-MM-DD`; `2025-13-40` is refused, not rolled over. */
const calendarDate = z
  .string()
  // `abort`: a malformed date gets one message, not a second "not a calendar date".
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be YYYY-MM-DD', abort: true })
  .refine(isCalendarDate, 'is not a calendar date');

function isCalendarDate(text: string): boolean {
  const time = Date.parse(`${text}T00:00:00Z`);
  // Some engines roll `02-30` over to March instead of refusing it: compare the round trip.
  return Number.isFinite(time) && new Date(time).toISOString().startsWith(text);
}

export const fixedPricingSchema = z.strictObject({
  type: z.literal('fixed'),
  /** USD per delivered image. */
  value: usd,
});

export const tablePricingSchema = z.strictObject({
  type: z.literal('table'),
  /** USD per image by size and quality; `*` matches any. The first matching row wins. */
  rows: z.array(z.strictObject({ size: z.string().default('*'), quality: z.string().default('*'), value: usd })).min(1),
});

/**
 * `min` and `average` of the two usage-based kinds are hints for listings and price sorting only
 * (the charge comes from usage); without them the estimate stands for all three, which overstates
 * rather than understates the price.
 */
const usageHints = { min: usd.optional(), average: usd.optional() };

/** Listings show min ≤ average ≤ max: the public catalog shipped an average below its min (W13). */
function hintsWithinEstimate(pricing: { min?: number | undefined; average?: number | undefined; estimate: number }): boolean {
  const min = pricing.min ?? 0;
  const average = pricing.average ?? pricing.estimate;
  return min <= average && average <= pricing.estimate && min <= pricing.estimate;
}
const HINTS_MESSAGE = 'must satisfy min <= average <= estimate';

export const tokensPricingSchema = z
  .strictObject({
    type: z.literal('tokens'),
    /** USD per million tokens, from the upstream's `usage`. */
    input_text_per_million: usd.default(0),
    input_image_per_million: usd.default(0),
    output_text_per_million: usd.default(0),
    output_image_per_million: usd,
    /** Reserved before the call, USD per image (the worst case). */
    estimate: usd,
    ...usageHints,
  })
  .refine(hintsWithinEstimate, { message: HINTS_MESSAGE, path: ['average'] });

export const upstreamPricingSchema = z
  .strictObject({
    type: z.literal('upstream'),
    /** Reserved before the call, USD per image; the upstream-reported cost is settled after. */
    estimate: usd,
    ...usageHints,
  })
  .refine(hintsWithinEstimate, { message: HINTS_MESSAGE, path: ['average'] });

/**
 * Self-hosted engines (AUTOMATIC1111, ComfyUI) billed by the GPU time of each upstream job. Their
 * catalog entries are free (`fixed: 0`); an operator who bills GPU time sets this in the config
 * file, per model or for every route of an instance (`gpu_second_usd` on the instance).
 */
export const gpuSecondsPricingSchema = z.strictObject({
  type: z.literal('gpu_seconds'),
  /** USD per second of measured GPU time. */
  usd_per_second: usd,
  /** The most GPU seconds one image may take: the hold is this × the rate × n; a longer job is charged the hold. */
  max_seconds: z.number().positive().max(86_400),
});

export const pricingSchema = z.discriminatedUnion('type', [
  fixedPricingSchema,
  tablePricingSchema,
  tokensPricingSchema,
  upstreamPricingSchema,
  gpuSecondsPricingSchema,
]);
export type Pricing = z.infer<typeof pricingSchema>;

export const ROUTING_STRATEGIES = ['priority', 'weighted', 'cheapest', 'fastest'] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

export const routeSchema = z.strictObject({
  /** Provider id (or a configured named instance of one). */
  provider: z.string().min(1),
  /** The model name the upstream expects. */
  model: z.string().min(1),
  /** Lower runs first under the `priority` strategy. */
  priority: z.number().int().default(0),
  /** Share of traffic under the `weighted` strategy. */
  weight: z.number().nonnegative().default(1),
  /** Overrides the model's pricing for this route. */
  pricing: pricingSchema.optional(),
  /**
   * What the upstream model takes (sizes, inputs, images per call, …), in the fields of the route's
   * provider: its adapter's schema parses them at boot (`bind-route-options.ts`), not this one.
   */
  options: z.record(z.string(), z.unknown()).default({}),
  /**
   * Content-policy refusals are final by default (another upstream would only be shopped the same
   * prompt); a route may opt in to falling back on them.
   */
  fallback_on_content_policy: z.boolean().default(false),
  /** Abandon this route after this long and try the next one (within the request deadline). */
  timeout_ms: z.number().int().positive().optional(),
});
export type Route = z.infer<typeof routeSchema>;

const sizeText = z.string().regex(/^(auto|\d+x\d+)$/, "must be 'auto' or 'WIDTHxHEIGHT'");

export const capabilitiesSchema = z
  .strictObject({
    /** Accepts input images (image to image). */
    edit: z.boolean().default(false),
    /** Accepts a mask (inpainting). */
    mask: z.boolean().default(false),
    /** Maximum number of input images. */
    max_input_images: z.number().int().min(0).max(16).default(0),
    /** Allowed sizes; absent means any size within `size_range`. */
    sizes: z.array(sizeText).min(1).optional(),
    /** Bounds for custom sizes (each edge, pixels). */
    size_range: z
      .strictObject({ min: z.number().int().positive(), max: z.number().int().positive() })
      .refine((range) => range.min <= range.max, { message: 'min must not exceed max', path: ['min'] })
      .default({ min: 64, max: 4096 }),
    /** Allowed `quality` values; `auto` is always accepted. */
    qualities: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be a lower-case tier name such as low, high or xhigh'))
      .default(['auto']),
    /** Maximum `n`. */
    max_n: z.number().int().min(1).max(16).default(1),
    /** OpenAI parameters this model's routes understand and receive as-is (e.g. `background`). */
    parameters: z.array(z.string()).default([]),
    /**
     * `output_format` values the model can answer in. Raster models: png, jpeg and webp (the gateway
     * converts between them). A vector model lists `[svg]` alone: SVG is never rasterised, and a raster
     * model never claims SVG. The first entry is the default when `webp` is not listed.
     */
    output_formats: z
      .array(z.enum(OUTPUT_FORMATS))
      .min(1)
      .default([...RASTER_OUTPUT_FORMATS]),
  })
  // The edit flag and the image count must agree, or validation would accept images the model
  // then refuses (or refuse every image of an edit model).
  .refine((capabilities) => capabilities.edit === capabilities.max_input_images > 0, {
    message: 'must be at least 1 when edit is true and 0 when it is false',
    path: ['max_input_images'],
  })
  .refine((capabilities) => !capabilities.mask || capabilities.edit, {
    message: 'a mask applies to an input image, so mask: true needs edit: true',
    path: ['mask'],
  })
  // Raster formats convert into each other, SVG into none: a model is one kind or the other.
  .refine((capabilities) => !capabilities.output_formats.includes('svg') || capabilities.output_formats.length === 1, {
    message: 'a vector model answers SVG only: list [svg] alone, or only raster formats',
    path: ['output_formats'],
  });
export type Capabilities = z.infer<typeof capabilitiesSchema>;

export const modelSchema = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9][\w.-]*\/[\w.:-]+$/, "must look like 'author/name'"),
    name: z.string().optional(),
    description: z.string().optional(),
    aliases: z.array(z.string().regex(/^\S+$/, 'must be non-empty without spaces')).default([]),
    release_date: calendarDate,
    output: z
      .array(z.enum(['image', 'video']))
      .min(1)
      .default(['image']),
    /** Retired models stay listed so their ids get a helpful message. */
    status: z.enum(['active', 'retired']).default('active'),
    /** Shown when a retired model is requested. */
    retired_message: z.string().optional(),
    /** From this UTC day, responses carry a `deprecated` warning and `Deprecation`/`Sunset` headers. */
    deprecated_on: calendarDate.optional(),
    /** From this UTC day the model answers 410, with no edit to the catalog. */
    retires_on: calendarDate.optional(),
    /** The model id (or alias) to use instead; named in warnings and in the 410. */
    successor: z.string().optional(),
    /**
     * Curated place in the popular list while usage is too thin to rank it (1 = first). Models
     * without one follow the ranked ones.
     */
    popularity_rank: z.number().int().positive().optional(),
    /**
     * A deployment self-check model (`test/test`): listed last in default orders, so a fresh
     * install does not advertise it as its most popular model.
     */
    self_test: z.boolean().default(false),
    capabilities: capabilitiesSchema.default(capabilitiesSchema.parse({})),
    /** Default pricing of every route that has none of its own. */
    pricing: pricingSchema.optional(),
    routes: z.array(routeSchema).default([]),
    /**
     * How the routes are ordered per request: `priority` (lowest first), `weighted` (random by
     * `weight`), `cheapest` (by this request's price), `fastest` (by recent latency).
     */
    routing: z.strictObject({ strategy: z.enum(ROUTING_STRATEGIES).default('priority') }).default({ strategy: 'priority' }),
  })
  .refine((model) => !model.aliases.includes(model.id), { message: 'must not repeat the model id', path: ['aliases'] })
  .refine((model) => model.deprecated_on === undefined || model.retires_on === undefined || model.deprecated_on <= model.retires_on, {
    message: 'must not be after retires_on',
    path: ['deprecated_on'],
  })
  .refine((model) => new Set(model.aliases).size === model.aliases.length, {
    message: 'must not contain duplicates',
    path: ['aliases'],
  });
export type Model = z.infer<typeof modelSchema>;

/** A model file: `{ models: [...] }`. */
export const modelFileSchema = z.strictObject({ models: z.array(modelSchema) });
