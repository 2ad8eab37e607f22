import { z } from 'zod';
import { ApiError } from '../../errors/api-error.js';
import type { ProviderEndpoint } from '../provider.js';
import { AUTH_STYLES, FLAVOR_PROFILES, FLAVORS, SIZE_PARAMS, type FlavorProfile } from './openai-compatible-flavors.js';

/** Azure's current image API version (GPT-image 1/1.5/2, FLUX on Foundry). */
export const DEFAULT_AZURE_API_VERSION = '2025-04-01-preview';

const positiveInteger = z.number().int().positive();
const aspectRatio = z.string().regex(/^\d+(\.\d+)?:\d+(\.\d+)?$/, "must look like '16:9'");

/**
 * Instance settings (provider definitions and the config file's `providers.<id>.settings`). Loose:
 * the instance config may carry settings of the gateway itself next to ours.
 */
const settingsSchema = z.looseObject({
  flavor: z.enum(FLAVORS).default('generic'),
  /** Overrides the flavor's auth header (e.g. `bearer` for an Azure Entra ID token). */
  auth: z.enum(AUTH_STYLES).optional(),
  /** Azure classic deployment URLs need `?api-version=`. */
  api_version: z.string().min(1).default(DEFAULT_AZURE_API_VERSION),
  /** Azure: the deployment when the base URL is the resource root (else the route's model). */
  deployment: z.string().min(1).optional(),
  /** Overrides the `response_format` value; `none` omits the field (servers that refuse it). */
  response_format: z.string().min(1).optional(),
  /** Overrides how many images one upstream request may ask for. */
  max_images_per_request: positiveInteger.max(16).optional(),
});

/** Route options from the catalog (`routes[].options`). Strict: a misspelt option must not be ignored. */
const routeOptionsSchema = z.strictObject({
  /** How sizes travel for this model (e.g. `none` for a model with one fixed size). */
  size_param: z.enum(SIZE_PARAMS).optional(),
  /** Sizes this model takes (`WxH`); another size becomes the nearest one, with a warning. */
  sizes: z.array(z.string().regex(/^\d+x\d+$/, "must look like '1024x768'")).min(1).optional(),
  /** Aspect ratios this model takes, with `size_param: aspect_ratio`. */
  aspect_ratios: z.array(aspectRatio).min(1).optional(),
  /** Quality → step count, for servers whose quality knob is the number of steps. */
  steps: z.strictObject({ low: positiveInteger.optional(), medium: positiveInteger.optional(), high: positiveInteger.optional() }).optional(),
  /** `quality` values the model takes as they are (xAI `grok-imagine-image-2.0`: low, medium). */
  quality_values: z.array(z.enum(['low', 'medium', 'high'])).optional(),
  /** JSON field for input images, when the model wants another one (Together FLUX.2 dev: `reference_images`). */
  image_field: z.string().min(1).optional(),
  /** `false`: this route takes no input images; an edit goes to the model's next route. */
  edits: z.boolean().optional(),
  /** What `maxImagesPerCall` reports: the router fans out above it. */
  max_images_per_call: positiveInteger.max(16).optional(),
  /** Fixed fields added to every request of this route; the adapter's own fields win over them. */
  body: z.record(z.string(), z.unknown()).optional(),
});

export type RouteOptions = z.infer<typeof routeOptionsSchema>;
export type OpenAICompatibleSettings = z.infer<typeof settingsSchema>;

/** Everything the builder needs to know about one call's flavor, instance and route. */
export interface CallConfig {
  profile: FlavorProfile;
  settings: OpenAICompatibleSettings;
  options: RouteOptions;
}

/**
 * The flavor's profile with the instance's and the route's overrides applied. Bad settings are a
 * configuration error of this gateway (500 naming the instance), not the client's or the upstream's.
 */
export function resolveCallConfig(endpoint: ProviderEndpoint, routeOptions: Record<string, unknown>): CallConfig {
  const settings = parseOrExplain(settingsSchema, endpoint.settings, `provider '${endpoint.instance}' settings`);
  const options = parseOrExplain(routeOptionsSchema, routeOptions, `route options for provider '${endpoint.instance}'`);
  const flavorProfile = FLAVOR_PROFILES[settings.flavor];
  const responseFormat = settings.response_format === undefined ? flavorProfile.responseFormat : settings.response_format === 'none' ? undefined : settings.response_format;
  const profile: FlavorProfile = {
    ...flavorProfile,
    auth: settings.auth ?? flavorProfile.auth,
    responseFormat,
    maxImagesPerRequest: settings.max_images_per_request ?? flavorProfile.maxImagesPerRequest,
    sizeParam: options.size_param ?? flavorProfile.sizeParam,
    aspectRatios: options.aspect_ratios ?? flavorProfile.aspectRatios,
    qualityValues: options.quality_values ?? flavorProfile.qualityValues,
  };
  return { profile, settings, options };
}

/** `maxImagesPerCall` sees only the route options: a bad one is reported by `generate` instead. */
export function maxImagesPerCallOption(routeOptions: Record<string, unknown>): number | undefined {
  const parsed = routeOptionsSchema.safeParse(routeOptions);
  return parsed.success ? parsed.data.max_images_per_call : undefined;
}

function parseOrExplain<Schema extends z.ZodType>(schema: Schema, value: unknown, what: string): z.infer<Schema> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  throw new ApiError({ kind: 'internal', message: `Invalid ${what}: ${path}${issue?.message ?? 'invalid value'}` });
}
