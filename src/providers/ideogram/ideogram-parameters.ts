import { invalidParam } from '../../errors/api-error.js';
import type { GenerationWarning, Quality } from '../../domain/image-request.js';
import type { IdeogramRouteOptions, RenderingSpeed } from './ideogram-route-options.js';

export const STYLE_TYPES = ['AUTO', 'GENERAL', 'REALISTIC', 'DESIGN', 'FICTION'] as const;
export const MAGIC_PROMPT_OPTIONS = ['AUTO', 'ON', 'OFF'] as const;
/** Ideogram's seeds are signed 32-bit. */
export const MAX_SEED = 2_147_483_647;

/** The extra parameters Ideogram takes, validated here so that a bad value is our 400, not a round trip. */
export interface IdeogramParameters {
  seed?: number;
  negative_prompt?: string;
  style_type?: string;
  magic_prompt?: string;
  image_weight?: number;
}

export function readIdeogramParameters(extra: Record<string, unknown>, options: IdeogramRouteOptions): IdeogramParameters {
  const parameters: IdeogramParameters = {};
  if (extra['seed'] !== undefined) parameters.seed = integerParam('seed', extra['seed'], 0, MAX_SEED);
  if (extra['negative_prompt'] !== undefined) {
    const value = extra['negative_prompt'];
    if (typeof value !== 'string')
      throw invalidParam('negative_prompt', `'negative_prompt' must be a string, got ${JSON.stringify(value)}.`);
    if (value !== '') parameters.negative_prompt = value;
  }
  if (extra['style_type'] !== undefined) parameters.style_type = enumParam('style_type', extra['style_type'], STYLE_TYPES);
  const magicPrompt =
    extra['magic_prompt'] === undefined ? options.magicPrompt : enumParam('magic_prompt', extra['magic_prompt'], MAGIC_PROMPT_OPTIONS);
  if (magicPrompt !== undefined) parameters.magic_prompt = magicPrompt;
  if (extra['image_weight'] !== undefined) parameters.image_weight = integerParam('image_weight', extra['image_weight'], 1, 100);
  return parameters;
}

/**
 * The route's fixed tier, or the request's quality as a tier: `low` → TURBO, `auto`/`medium` →
 * DEFAULT, anything above `medium` → QUALITY (Ideogram's top tier). FLASH is only ever chosen by a
 * route: it trades too much fidelity to be what "low" means on other providers.
 */
export function renderingSpeedFor(
  provider: string,
  options: IdeogramRouteOptions,
  quality: Quality,
  warnings: GenerationWarning[],
): RenderingSpeed {
  if (options.renderingSpeed !== undefined) {
    if (quality !== 'auto') {
      warnings.push({
        type: 'unsupported',
        setting: 'quality',
        provider,
        message: `This Ideogram route always renders at ${options.renderingSpeed}; quality '${quality}' was ignored.`,
      });
    }
    return options.renderingSpeed;
  }
  if (quality === 'low') return 'TURBO';
  if (quality === 'auto' || quality === 'medium') return 'DEFAULT';
  return 'QUALITY';
}

function integerParam(name: string, value: unknown, min: number, max: number): number {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(number) || number < min || number > max) {
    throw invalidParam(name, `'${name}' must be an integer from ${min} to ${max} for Ideogram, got ${JSON.stringify(value)}.`);
  }
  return number;
}

function enumParam(name: string, value: unknown, allowed: ReadonlyArray<string>): string {
  const text = typeof value === 'string' ? value.toUpperCase() : undefined;
  if (text === undefined || !allowed.includes(text)) {
    throw invalidParam(name, `'${name}' must be one of ${allowed.join(', ')} for Ideogram, got ${JSON.stringify(value)}.`);
  }
  return text;
}
