import { z } from 'zod';
import type { ProviderEndpoint } from '../provider.js';
import { routerSettingsSchema } from '../provider-definition.js';
import { AUTH_STYLES, FLAVOR_PROFILES, FLAVORS, SIZE_PARAMS, type FlavorProfile } from './openai-compatible-flavors.js';

/** Azure's current image API version (GPT-image 1/1.5/2, FLUX on Foundry). */
export const DEFAULT_AZURE_API_VERSION = '2025-04-01-preview';

const positiveInteger = z.number().int().positive();
const aspectRatio = z.string().regex(/^\d+(\.\d+)?:\d+(\.\d+)?$/, "must look like '16:9'");

/**
 * Instance settings (the built-in instances' and the config file's `providers.<id>.settings`),
 * parsed once at boot. Loose: the instance config may carry settings of the gateway itself next to ours.
 */
export const openAICompatibleSettingsSchema = routerSettingsSchema.extend({
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

/**
 * Route options from the catalog (`routes[].options`): what differs per model on one server, parsed
 * once at boot. Strict: a misspelt option must not be ignored. What differs per server kind (auth,
 * wire fields, edit transport) is the flavor's, in `openai-compatible-flavors.ts`.
 */
export const openAICompatibleRouteOptionsSchema = z.strictObject({
  /** How sizes travel for this model (e.g. `none` for a model with one fixed size). */
  size_param: z.enum(SIZE_PARAMS).optional(),
  /** Sizes this model takes (`WxH`); another size becomes the nearest one, with a warning. */
  sizes: z
    .array(z.string().regex(/^\d+x\d+$/, "must look like '1024x768'"))
    .min(1)
    .optional(),
  /** Aspect ratios this model takes, with `size_param: aspect_ratio`. */
  aspect_ratios: z.array(aspectRatio).min(1).optional(),
  /** Quality → step count, for servers whose quality knob is the number of steps. */
  steps: z
    .strictObject({ low: positiveInteger.optional(), medium: positiveInteger.optional(), high: positiveInteger.optional() })
    .optional(),
  /** `quality` values the model takes as they are (xAI `grok-imagine-image-2.0`: low, medium). */
  quality_values: z.array(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/)).optional(),
  /** JSON field for input images, when the model wants another one (Together FLUX.2 dev: `reference_images`). */
  image_field: z.string().min(1).optional(),
  /** `false`: this route takes no input images; an edit goes to the model's next route. */
  edits: z.boolean().optional(),
  /** What `maxImagesPerCall` reports: the router fans out above it. */
  max_images_per_call: positiveInteger.max(16).optional(),
  /** Fixed fields added to every request of this route; the adapter's own fields win over them. */
  body: z.record(z.string(), z.unknown()).optional(),
});

export type RouteOptions = z.infer<typeof openAICompatibleRouteOptionsSchema>;
export type OpenAICompatibleSettings = z.infer<typeof openAICompatibleSettingsSchema>;

/** Everything the builder needs to know about one call's flavor, instance and route. */
export interface CallConfig {
  profile: FlavorProfile;
  settings: OpenAICompatibleSettings;
  options: RouteOptions;
}

/** The flavor's profile with the instance's and the route's overrides applied (both parsed at boot). */
export function resolveCallConfig(
  endpoint: Pick<ProviderEndpoint<OpenAICompatibleSettings>, 'settings'>,
  options: RouteOptions,
): CallConfig {
  const { settings } = endpoint;
  const flavorProfile = FLAVOR_PROFILES[settings.flavor];
  const responseFormat =
    settings.response_format === undefined
      ? flavorProfile.responseFormat
      : settings.response_format === 'none'
        ? undefined
        : settings.response_format;
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
