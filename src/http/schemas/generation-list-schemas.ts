import { z } from 'zod';
import { USAGE_STATUSES } from '../../accounts/usage-query.js';

export const GENERATION_LIST_DEFAULT_LIMIT = 30;

/** `GET /v1/generations`: query values arrive as strings. */
export const generationListQuerySchema = z.object({
  limit: z
    .string()
    .regex(/^\d+$/, "'limit' must be a whole number from 1 to 100")
    .transform(Number)
    .refine((value) => value >= 1 && value <= 100, "'limit' must be a whole number from 1 to 100")
    .optional()
    .describe(`Generations per page, 1..100 (default ${GENERATION_LIST_DEFAULT_LIMIT}).`),
  cursor: z.string().min(1).optional().describe("Opaque: the previous page's `next_cursor`."),
  model: z.string().min(1).optional().describe('Only this model id (as recorded: the canonical id, not an alias).'),
  status: z.enum(USAGE_STATUSES, { error: `'status' must be one of ${USAGE_STATUSES.join(', ')}` }).optional(),
  api_key_id: z.string().min(1).optional().describe("Only this key's generations (a key of your account)."),
});
