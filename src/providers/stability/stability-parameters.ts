import { invalidParam } from '../../errors/api-error.js';
import type { GenerationWarning } from '../../domain/image-request.js';
import type { StabilityRouteOptions } from './stability-route-options.js';

/** Stability's `style_preset` values (v2beta generate and edit endpoints). */
export const STABILITY_STYLE_PRESETS = [
  '3d-model',
  'analog-film',
  'anime',
  'cinematic',
  'comic-book',
  'digital-art',
  'enhance',
  'fantasy-art',
  'isometric',
  'line-art',
  'low-poly',
  'modeling-compound',
  'neon-punk',
  'origami',
  'photographic',
  'pixel-art',
  'tile-texture',
] as const;

/** Seeds run 0–4294967294; 0 asks for a random one. */
const MAX_SEED = 4_294_967_294;
const MAX_PROMPT_LENGTH = 10_000;

/**
 * The extra parameters the endpoint takes, validated as Stability validates them (a bad value is
 * the client's 400 naming it, not Stability's after a round trip), as multipart text fields. A
 * parameter the endpoint lacks gets an `unsupported` warning.
 */
export function stabilityParameterFields(
  provider: string,
  options: StabilityRouteOptions,
  extra: Record<string, unknown>,
): { fields: Array<[string, string]>; warnings: GenerationWarning[] } {
  const fields: Array<[string, string]> = [];
  const warnings: GenerationWarning[] = [];
  const take = (name: string, supported: boolean, read: (value: unknown) => string) => {
    const value = extra[name];
    if (value === undefined) return;
    if (supported) fields.push([name, read(value)]);
    else warnings.push({ type: 'unsupported', setting: name, provider, message: `${options.title} has no '${name}'; it was ignored.` });
  };
  take('negative_prompt', options.negativePrompt, (value) => textParam('negative_prompt', value, MAX_PROMPT_LENGTH));
  take('style_preset', options.stylePreset, (value) => enumParam('style_preset', value, STABILITY_STYLE_PRESETS));
  take('seed', options.seed, (value) => String(numberParam('seed', value, 0, MAX_SEED, true)));
  take('cfg_scale', options.cfgScale, (value) => String(numberParam('cfg_scale', value, 1, 10, false)));
  if (options.growMaskMax !== undefined) {
    const max = options.growMaskMax;
    take('grow_mask', true, (value) => String(numberParam('grow_mask', value, 0, max, true)));
  } else {
    take('grow_mask', false, String);
  }
  return { fields, warnings };
}

/** `strength` of an image-to-image call: 0 keeps the input, 1 ignores it. */
export function strengthParam(value: unknown): string {
  return String(numberParam('strength', value, 0, 1, false));
}

export function textParam(name: string, value: unknown, maxLength: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    throw invalidParam(name, `'${name}' must be text of 1 to ${maxLength} characters.`);
  }
  return value;
}

function enumParam(name: string, value: unknown, allowed: readonly string[]): string {
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw invalidParam(name, `'${name}' must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}.`);
  }
  return value;
}

function numberParam(name: string, value: unknown, min: number, max: number, integer: boolean): number {
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  if (!Number.isFinite(number) || number < min || number > max || (integer && !Number.isInteger(number))) {
    throw invalidParam(
      name,
      `'${name}' must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}; got ${JSON.stringify(value)}.`,
    );
  }
  return number;
}
