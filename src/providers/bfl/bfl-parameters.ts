import { invalidParam } from '../../errors/api-error.js';
import type { GenerationWarning, Quality } from '../../domain/image-request.js';
import type { BflModelSpec } from './bfl-route-options.js';
import { stepsForQuality } from '../common/quality-steps.js';

export interface BflParameterFields {
  seed?: number;
  safety_tolerance?: number;
  prompt_upsampling?: boolean;
  disable_pup?: boolean;
  raw?: boolean;
  steps?: number;
}

/**
 * The extra parameters this endpoint understands, validated (a malformed value is the client's
 * 400, not BFL's 422 after a round trip), and the quality knob. BFL knobs the endpoint lacks get an
 * `unsupported` warning; other extras were already reported by the gateway against the catalog.
 */
export function bflParameterFields(
  provider: string,
  spec: BflModelSpec,
  extra: Record<string, unknown>,
  quality: Quality,
): { fields: BflParameterFields; warnings: GenerationWarning[] } {
  const fields: BflParameterFields = {};
  const warnings: GenerationWarning[] = [];
  if (extra['seed'] !== undefined) fields.seed = integerParam('seed', extra['seed'], Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  if (extra['safety_tolerance'] !== undefined)
    fields.safety_tolerance = integerParam('safety_tolerance', extra['safety_tolerance'], 0, spec.safetyToleranceMax);
  if (extra['prompt_upsampling'] !== undefined) {
    const upsampling = booleanParam('prompt_upsampling', extra['prompt_upsampling']);
    if (spec.promptUpsampling === 'prompt_upsampling') fields.prompt_upsampling = upsampling;
    else if (spec.promptUpsampling === 'disable_pup') fields.disable_pup = !upsampling;
    else
      warnings.push(unsupported(provider, 'prompt_upsampling', `${spec.title} has no prompt upsampling; 'prompt_upsampling' was ignored.`));
  }
  if (extra['raw'] !== undefined) {
    const raw = booleanParam('raw', extra['raw']);
    if (spec.raw) fields.raw = raw;
    else warnings.push(unsupported(provider, 'raw', `'raw' exists only on FLUX1.1 [pro] Ultra; ${spec.title} ignored it.`));
  }
  if (quality !== 'auto') {
    const steps = stepsForQuality(spec.qualitySteps, quality);
    if (steps !== undefined) fields.steps = steps;
    else warnings.push(unsupported(provider, 'quality', `${spec.title} has no quality setting; quality '${quality}' was ignored.`));
  }
  return { fields, warnings };
}

function integerParam(name: string, value: unknown, min: number, max: number): number {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(number) || number < min || number > max) {
    const range = min === Number.MIN_SAFE_INTEGER ? 'an integer' : `an integer from ${min} to ${max}`;
    throw invalidParam(name, `'${name}' must be ${range} for this model, got ${JSON.stringify(value)}.`);
  }
  return number;
}

function booleanParam(name: string, value: unknown): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw invalidParam(name, `'${name}' must be true or false, got ${JSON.stringify(value)}.`);
}

function unsupported(provider: string, setting: string, message: string): GenerationWarning {
  return { type: 'unsupported', setting, provider, message };
}
