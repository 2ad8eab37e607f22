import type { z } from 'zod';
import { invalidParam, type ApiError } from '../../errors/api-error.js';
import { invalidParamFromZod } from '../../errors/invalid-param-from-zod.js';
import { createApiKeyBodySchema, updateApiKeyBodySchema } from './api-key-schemas.js';

/*
 * The admin key bodies minus what only an operator decides: a user's new key joins the caller's
 * account (no `account_id`) and shares its balance (no `credits`). Strict, so such a field is a
 * 400 naming it rather than silently ignored.
 */

export const accountKeyCreateBodySchema = createApiKeyBodySchema.omit({ credits: true, account_id: true }).strict();
export const accountKeyUpdateBodySchema = updateApiKeyBodySchema.strict();

const OPERATOR_ONLY: Record<string, string> = {
  credits: "'credits' can't be set here: your keys share your account's balance, which an operator tops up",
  account_id: "'account_id' can't be set here: a key you create always belongs to your own account",
};

/** A failed parse as a 400 naming the offending parameter, unknown fields included. */
export function accountKeyBodyError(error: z.ZodError): ApiError {
  const issue = error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? 'body';
    return invalidParam(key, OPERATOR_ONLY[key] ?? `'${key}' is not a parameter of this endpoint`);
  }
  return invalidParamFromZod(error);
}
