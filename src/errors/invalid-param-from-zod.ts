import type { z } from 'zod';
import { invalidParam, type ApiError } from './api-error.js';

/**
 * The first problem of a failed parse as a 400 naming its parameter, as the public service reports
 * one problem at a time. `fallbackParam` names a problem of the whole input (no path).
 */
export function invalidParamFromZod(error: z.ZodError, fallbackParam = 'body', code?: string): ApiError {
  const issue = error.issues[0];
  const param = typeof issue?.path[0] === 'string' || typeof issue?.path[0] === 'number' ? String(issue.path[0]) : fallbackParam;
  return invalidParam(param, issue?.message ?? 'Invalid request', code);
}
