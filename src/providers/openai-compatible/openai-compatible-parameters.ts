import type { GenerationWarning, ImageRequest, ImageSize } from '../../domain/image-request.js';
import { formatSize, nearestAspectRatio, nearestSize, parseAspectRatio, roundSizeToMultiple } from '../common/size-mapping.js';
import type { CallConfig } from './openai-compatible-config.js';
import type { FlavorProfile } from './openai-compatible-flavors.js';
import { stepsForQuality } from '../common/quality-steps.js';

/** Together wants width and height in multiples of 8. */
const DIMENSION_MULTIPLE = 8;
const MIN_DIMENSION = 64;
const MAX_DIMENSION = 4096;
/** LocalAI splits its prompt at the first `|`: the rest becomes the negative prompt. */
const LOCALAI_NEGATIVE_SEPARATOR = '|';
/** What a client's own `|` becomes, so it is not read as the start of a negative prompt. */
const LOCALAI_SEPARATOR_STAND_IN = '/';

/** Body fields (before images) and what had to be adapted or dropped on the way. */
export interface TranslatedParameters {
  fields: Record<string, unknown>;
  warnings: GenerationWarning[];
}

export interface TranslationContext {
  request: ImageRequest;
  /** Images this upstream request asks for. */
  n: number;
  upstreamModel: string;
  /** Instance id, named in warnings (`azure-eu` rather than the adapter id). */
  provider: string;
  config: CallConfig;
  modelInBody: boolean;
  /** Sent as `seed` when the flavor needs one and the client gave none. */
  randomSeed: number | undefined;
  /** Skip the size fields (xAI single-image edits keep the input's aspect ratio). */
  omitSize?: boolean;
}

/**
 * The OpenAI request translated into one flavor's fields: model, prompt, n, size (as `size`,
 * `width`/`height` or `aspect_ratio`), quality (as `quality` or a step count), output and response
 * formats, and the client's extra parameters the flavor takes. Pure.
 */
export function translateParameters(context: TranslationContext): TranslatedParameters {
  const { request, config, provider } = context;
  const { profile } = config;
  const warnings: GenerationWarning[] = [];
  const fields: Record<string, unknown> = { ...config.options.body };
  if (context.modelInBody) fields['model'] = context.upstreamModel;
  const prompt = promptFor(request, profile, provider, warnings);
  if (prompt !== undefined) fields['prompt'] = prompt;
  fields['n'] = context.n;
  if (!context.omitSize)
    Object.assign(fields, sizeFields(allowedSize(request.size, config.options.sizes, provider, warnings), profile, provider, warnings));
  Object.assign(fields, qualityFields(request, config, provider, warnings));
  if (profile.responseFormat !== undefined) fields['response_format'] = profile.responseFormat;
  if (profile.outputFormats.length > 0) {
    fields['output_format'] = profile.outputFormats.includes(request.outputFormat) ? request.outputFormat : profile.outputFormats[0];
  }
  for (const [name, value] of Object.entries(request.extra)) {
    // LocalAI reads its negative prompt from the prompt itself (see `promptFor`).
    if (profile.flavor === 'localai' && name === 'negative_prompt') continue;
    if (profile.extras.includes(name)) fields[name] = value;
    else
      warnings.push({
        type: 'unsupported',
        setting: name,
        provider,
        message: `'${name}' is not supported by '${provider}' and was not sent.`,
      });
  }
  if (profile.randomSeedWhenMissing && fields['seed'] === undefined && context.randomSeed !== undefined)
    fields['seed'] = context.randomSeed;
  return { fields, warnings };
}

/** The prompt as the flavor reads it: LocalAI's `positive|negative` convention is the one special case. */
function promptFor(request: ImageRequest, profile: FlavorProfile, provider: string, warnings: GenerationWarning[]): string | undefined {
  if (profile.flavor !== 'localai') return request.prompt;
  let prompt = request.prompt ?? '';
  if (prompt.includes(LOCALAI_NEGATIVE_SEPARATOR)) {
    prompt = prompt.split(LOCALAI_NEGATIVE_SEPARATOR).join(LOCALAI_SEPARATOR_STAND_IN);
    warnings.push({
      type: 'adapted',
      setting: 'prompt',
      provider,
      message: `'|' in the prompt became '${LOCALAI_SEPARATOR_STAND_IN}': '${provider}' reads text after '|' as a negative prompt. Send 'negative_prompt' instead.`,
    });
  }
  const negative = request.extra['negative_prompt'];
  if (typeof negative === 'string' && negative.trim() !== '')
    return `${prompt}${LOCALAI_NEGATIVE_SEPARATOR}${negative.split(LOCALAI_NEGATIVE_SEPARATOR).join(LOCALAI_SEPARATOR_STAND_IN)}`;
  return request.prompt === undefined ? undefined : prompt;
}

/**
 * A route may list the sizes its model takes (DeepInfra's FLUX-1-dev: edges up to 1024): another
 * size becomes the nearest listed one, closest in aspect ratio first, then in area.
 */
function allowedSize(
  size: ImageSize | 'auto',
  sizes: readonly string[] | undefined,
  provider: string,
  warnings: GenerationWarning[],
): ImageSize | 'auto' {
  if (size === 'auto' || !sizes || sizes.includes(formatSize(size))) return size;
  const nearest = nearestSize(size, sizes);
  const [width, height] = nearest.split('x').map(Number) as [number, number];
  warnings.push({
    type: 'adapted',
    setting: 'size',
    provider,
    message: `${formatSize(size)} became ${nearest}, the nearest size '${provider}' takes for this model.`,
  });
  return { width, height };
}

/** `size: auto` sends nothing: every flavor then uses its own default. */
export function sizeFields(
  size: ImageSize | 'auto',
  profile: FlavorProfile,
  provider: string,
  warnings: GenerationWarning[],
): Record<string, unknown> {
  if (size === 'auto') return {};
  const requested = formatSize(size);
  switch (profile.sizeParam) {
    case 'size':
      return { size: requested };
    case 'none':
      warnings.push({
        type: 'unsupported',
        setting: 'size',
        provider,
        message: `'${provider}' takes no size for this model; it used its default size instead of ${requested}.`,
      });
      return {};
    case 'width_height': {
      const rounded = roundSizeToMultiple(size, DIMENSION_MULTIPLE, MIN_DIMENSION, MAX_DIMENSION);
      if (rounded.width !== size.width || rounded.height !== size.height) {
        warnings.push({
          type: 'adapted',
          setting: 'size',
          provider,
          message: `${requested} became ${formatSize(rounded)}: '${provider}' takes sizes in multiples of ${DIMENSION_MULTIPLE}.`,
        });
      }
      return { width: rounded.width, height: rounded.height };
    }
    case 'aspect_ratio':
      return aspectRatioFields(size, profile, provider, warnings);
  }
}

/**
 * A size as an aspect ratio (nearest by log distance) and, for xAI, a resolution tier. A size from
 * the upstream's own table, or with exactly the chosen ratio, needs no warning.
 */
function aspectRatioFields(
  size: ImageSize,
  profile: FlavorProfile,
  provider: string,
  warnings: GenerationWarning[],
): Record<string, unknown> {
  const requested = formatSize(size);
  const tabled = profile.sizeTable[requested];
  const ratio = tabled ?? nearestAspectRatio(size, profile.aspectRatios);
  const fields: Record<string, unknown> = { aspect_ratio: ratio };
  const resolution = profile.resolution;
  const large = resolution !== undefined && Math.max(size.width, size.height) > resolution.largeAboveLongEdge;
  if (resolution) fields[resolution.field] = large ? resolution.large : resolution.small;
  if (tabled) return fields;
  const exact = Object.keys(profile.sizeTable).length === 0 && sameRatio(size, ratio);
  if (!exact) {
    const expected = Object.entries(profile.sizeTable).find(([, tableRatio]) => tableRatio === ratio)?.[0];
    const outcome = resolution
      ? `aspect_ratio ${ratio} at ${String(fields[resolution.field])}${expected && !large ? ` (${expected})` : ''}`
      : `aspect_ratio ${ratio}`;
    warnings.push({
      type: 'adapted',
      setting: 'size',
      provider,
      message: `${requested} became ${outcome}: '${provider}' takes an aspect ratio, not a size.`,
    });
  }
  return fields;
}

function sameRatio(size: ImageSize, ratio: string): boolean {
  const { width, height } = parseAspectRatio(ratio);
  return Math.abs(size.width * height - size.height * width) < 1e-9 * size.width * height;
}

/** Quality as the upstream's own `quality`, or as a step count the route maps it to, or a warning. */
function qualityFields(
  request: ImageRequest,
  config: CallConfig,
  provider: string,
  warnings: GenerationWarning[],
): Record<string, unknown> {
  const quality = request.quality;
  if (quality === 'auto') return {};
  if (config.profile.qualityValues.includes(quality)) return { quality };
  const steps = stepsForQuality(config.options.steps, quality);
  if (steps !== undefined && config.profile.stepsField) return { [config.profile.stepsField]: steps };
  warnings.push({
    type: 'unsupported',
    setting: 'quality',
    provider,
    message: `'${provider}' has no quality setting for this model; quality '${quality}' was not applied.`,
  });
  return {};
}
