import type { z } from 'zod';
import type { Catalog } from '../catalog/catalog.js';
import type { ResolvedModel } from '../catalog/resolved-model.js';
import { resolveModelForRequest } from '../catalog/resolve-model-for-request.js';
import { ApiError, invalidParam } from '../errors/api-error.js';
import { checkCapabilities } from '../generation/check-capabilities.js';
import type { GenerationWarning, ImageRequest, ImageSize } from '../domain/image-request.js';
import { validateMask } from '../images/validate-mask.js';
import { DownloadBudget } from '../net/download-budget.js';
import type { RawImageBody } from './read-image-body.js';
import { resolveImageInput, resolveImageInputs, type ResolveImageInputOptions } from './resolve-image-input.js';
import { KNOWN_IMAGE_FIELDS, SIZE_PATTERN, extraParametersSchema, imageRequestFieldsSchema } from './schemas/image-request-schema.js';

export interface ParsedImageRequest {
  request: ImageRequest;
  model: ResolvedModel;
  warnings: GenerationWarning[];
}

export interface ParseImageRequestOptions extends Omit<ResolveImageInputOptions, 'budget'> {
  /** Bytes all image URLs of the request (images and mask) may download together. */
  maxInputBytes: number;
}

/** Fields OpenAI SDKs send that mean nothing here and deserve no warning. */
const SILENT_FIELDS = new Set(['stream']);

/**
 * Validates a raw body into an `ImageRequest`: cheap checks first (fields, model, capabilities),
 * then the expensive ones (downloading and decoding images), so bad requests fail fast.
 */
export async function parseImageRequest(
  raw: RawImageBody,
  catalog: Catalog,
  options: ParseImageRequestOptions,
): Promise<ParsedImageRequest> {
  const parsed = imageRequestFieldsSchema.safeParse(raw.fields);
  if (!parsed.success) throw firstProblem(parsed.error);
  const fields = parsed.data;
  const stream = raw.fields['stream'];
  if (stream === true || stream === 'true') {
    throw invalidParam('stream', "'stream' is not supported: images are returned in one response.");
  }
  const model = resolveModelForRequest(catalog, fields.model);
  const size = parseSize(fields.size);
  const untyped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw.fields)) {
    if (!KNOWN_IMAGE_FIELDS.has(name) && value !== undefined && value !== null) untyped[name] = value;
  }
  // Typed here, once, so that no adapter has to know which body type carried the value. A malformed
  // value is refused even when the model would drop the parameter: the request itself is wrong.
  const typedExtra = extraParametersSchema.safeParse(untyped);
  if (!typedExtra.success) throw firstProblem(typedExtra.error);
  const extra: Record<string, unknown> = typedExtra.data;
  const warnings = checkCapabilities(model.capabilities, {
    modelId: model.id,
    size,
    quality: fields.quality,
    n: fields.n,
    imageCount: raw.images.length,
    hasMask: raw.masks.length > 0,
    extraParameters: Object.keys(extra).filter((name) => !SILENT_FIELDS.has(name)),
  });

  // Made here, once per request: a budget shared across requests would let one starve the others.
  const imageOptions: ResolveImageInputOptions = { ...options, budget: new DownloadBudget(options.maxInputBytes) };
  const images = await resolveImageInputs(raw.images, imageOptions);
  const maskInput = raw.masks[0];
  const mask = maskInput ? await resolveImageInput(maskInput, imageOptions) : undefined;
  const firstImage = images[0];
  if (mask && firstImage) validateMask(mask, firstImage);

  return {
    model,
    warnings,
    request: {
      model: model.id,
      prompt: fields.prompt,
      quality: fields.quality,
      size,
      n: fields.n,
      responseFormat: fields.response_format,
      outputFormat: fields.output_format,
      images,
      mask,
      // Only what the model's routes understand travels on; the rest is in `warnings` already.
      extra: Object.fromEntries(Object.entries(extra).filter(([name]) => model.capabilities.parameters.includes(name))),
    },
  };
}

/** Only the first problem is reported, as the public service does, naming its parameter. */
function firstProblem(error: z.ZodError): ApiError {
  const issue = error.issues[0];
  const param = issue?.path[0] === undefined ? 'body' : String(issue.path[0]);
  return invalidParam(param, issue?.message ?? 'Invalid request');
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
