import { invalidParam } from '../../errors/api-error.js';

/** The value of parameter `name` as a whole number from `min` to `max`, or a 400 naming it and what it got. */
export function integerParam(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw invalidParam(name, `'${name}' must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}.`);
  return value;
}

/** The value of parameter `name` as a finite number from `min` to `max`, or a 400 naming it and what it got. */
export function numberParam(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    throw invalidParam(name, `'${name}' must be a number from ${min} to ${max}, got ${JSON.stringify(value)}.`);
  return value;
}
