import { invalidParam } from '../../errors/api-error.js';

/** What a model input accepts, from its `openapi_schema`. */
export type ParameterSpec =
  { type: 'integer' | 'number'; min?: number; max?: number } | { type: 'boolean' } | { type: 'string'; values?: ReadonlyArray<string> };

/**
 * OpenAI names of parameters Replicate models know under another name. The client sends the
 * OpenAI name; the model receives its own.
 */
export const OPENAI_PARAMETER_NAMES: Readonly<Record<string, string>> = {
  output_compression: 'output_quality',
};

/**
 * A client value as the model's schema wants it, or a 400 naming the parameter. Multipart forms
 * deliver every field as text, so `"42"` is an integer and `"true"` a boolean; anything else that
 * does not fit is refused rather than sent to fail upstream with a 422.
 */
export function coerceParameter(name: string, value: unknown, spec: ParameterSpec): string | number | boolean {
  switch (spec.type) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      throw invalidParam(name, `'${name}' must be true or false.`);
    case 'string': {
      const text = typeof value === 'number' ? String(value) : value;
      if (typeof text !== 'string') throw invalidParam(name, `'${name}' must be a string.`);
      if (spec.values && !spec.values.includes(text)) {
        throw invalidParam(name, `'${name}' must be one of: ${spec.values.map((allowed) => `'${allowed}'`).join(', ')}.`);
      }
      return text;
    }
    case 'integer':
    case 'number': {
      const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
      const kind = spec.type === 'integer' ? 'an integer' : 'a number';
      if (!Number.isFinite(number) || (spec.type === 'integer' && !Number.isInteger(number)))
        throw invalidParam(name, `'${name}' must be ${kind}.`);
      if ((spec.min !== undefined && number < spec.min) || (spec.max !== undefined && number > spec.max)) {
        throw invalidParam(name, `'${name}' must be ${kind} from ${spec.min ?? '-∞'} to ${spec.max ?? '∞'}.`);
      }
      return number;
    }
  }
}
