import type { Catalog } from '../catalog/catalog.js';
import { lifecycleMessage, type ModelLifecycle } from '../catalog/model-lifecycle.js';
import type { ResolvedModel } from '../catalog/resolved-model.js';
import { resolveModelForRequest } from '../catalog/resolve-model-for-request.js';
import type { GenerationWarning, ImageRequest, ImageSize } from '../domain/image-request.js';
import { ApiError, invalidParam } from '../errors/api-error.js';
import { invalidParamFromZod } from '../errors/invalid-param-from-zod.js';
import { checkCapabilities, defaultOutputFormat } from './check-capabilities.js';
import type { GenerationRequest } from './generation-request.js';
import { KNOWN_IMAGE_FIELDS, SIZE_PATTERN, extraParametersSchema, imageRequestFieldsSchema } from './image-request-schema.js';

/** A request that passed every check that needs no I/O: what is left is fetching its images. */
export interface GenerationPlan {
  /** The validated request, without its images yet. */
  request: Omit<ImageRequest, 'images' | 'mask'>;
  model: ResolvedModel;
  warnings: GenerationWarning[];
  /** Where to POST the finished generation; its host is checked before any work (`WebhookTargets`). */
  webhookUrl?: string;
  /** Set when the model is deprecated: its dates, for the `Deprecation` and `Sunset` headers. */
  deprecation?: ModelLifecycle;
}

/** Fields OpenAI SDKs send that mean nothing here and deserve no warning. */
const SILENT_FIELDS = new Set(['stream']);

/**
 * Resolve and check: fields (zod, the first problem named), the model (aliases, retirement), the
 * model's capabilities. Cheap and synchronous, so a bad request fails before any image is fetched.
 */
export function planGeneration(catalog: Catalog, input: GenerationRequest): GenerationPlan {
  const legacy = legacyQuality(input.fields['quality']);
  const parsed = imageRequestFieldsSchema.safeParse(legacy ? { ...input.fields, quality: legacy.quality } : input.fields);
  if (!parsed.success) throw invalidParamFromZod(parsed.error);
  const fields = parsed.data;
  const stream = input.fields['stream'];
  if (stream === true || stream === 'true') {
    throw invalidParam('stream', "'stream' is not supported: images are returned in one response.");
  }
  const model = resolveModelForRequest(catalog, fields.model);
  const size = parseSize(fields.size);
  const extra = typedExtraParameters(input.fields);
  const warnings = checkCapabilities(model.capabilities, {
    modelId: model.id,
    size,
    quality: fields.quality,
    n: fields.n,
    imageCount: input.images.length,
    hasMask: input.masks.length > 0,
    outputFormat: fields.output_format,
    extraParameters: Object.keys(extra).filter((name) => !SILENT_FIELDS.has(name)),
  });
  if (legacy) warnings.unshift(legacy.warning);
  const lifecycle = catalog.lifecycle(model);
  if (lifecycle.state === 'deprecated')
    warnings.unshift({ type: 'deprecated', setting: 'model', message: lifecycleMessage(model.id, lifecycle) });
  return {
    model,
    warnings,
    ...(lifecycle.state === 'deprecated' ? { deprecation: lifecycle } : {}),
    ...(fields.webhook_url === undefined ? {} : { webhookUrl: fields.webhook_url }),
    request: {
      model: model.id,
      prompt: fields.prompt,
      quality: fields.quality,
      size,
      n: fields.n,
      responseFormat: fields.response_format,
      outputFormat: fields.output_format ?? defaultOutputFormat(model.capabilities),
      // Only what the model's routes understand travels on; the rest is in `warnings` already.
      extra: Object.fromEntries(Object.entries(extra).filter(([name]) => model.capabilities.parameters.includes(name))),
    },
  };
}

/** DALL·E's quality names, which OpenAI-era clients (LangChain's DallEAPIWrapper) still send by default. */
const LEGACY_QUALITIES: Readonly<Record<string, string>> = { standard: 'medium', hd: 'high' };

/** A DALL·E quality name, understood rather than refused, and reported as adapted. */
function legacyQuality(value: unknown): { quality: string; warning: GenerationWarning } | undefined {
  const name = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  const quality = name === undefined ? undefined : LEGACY_QUALITIES[name];
  if (quality === undefined) return undefined;
  return {
    quality,
    warning: {
      type: 'adapted',
      setting: 'quality',
      message: `'quality' '${name}' is DALL·E's name for '${quality}'; '${quality}' was used.`,
    },
  };
}

/**
 * The parameters the gateway does not interpret, typed here, once, so that no adapter has to know
 * which body type carried the value. A malformed value is refused even when the model would drop
 * the parameter: the request itself is wrong.
 */
function typedExtraParameters(fields: Record<string, unknown>): Record<string, unknown> {
  const untyped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (!KNOWN_IMAGE_FIELDS.has(name) && value !== undefined && value !== null) untyped[name] = value;
  }
  const typed = extraParametersSchema.safeParse(untyped);
  if (!typed.success) throw invalidParamFromZod(typed.error);
  return typed.data;
}

function parseSize(text: string): ImageSize | 'auto' {
  if (text === 'auto') return 'auto';
  const match = SIZE_PATTERN.exec(text);
  if (!match) throw invalidParam('size', "'size' must be 'auto' or in the format 'WIDTHxHEIGHT' (e.g. '1024x768')");
  const width = Number(match[1]);
  const height = Number(match[2]);
  if (width < 1 || height < 1) {
    throw new ApiError({ kind: 'invalid_request', param: 'size', message: `'size' must have a positive width and height, got '${text}'` });
  }
  return { width, height };
}
