import { z } from 'zod';
import { USAGE_GROUPS, USAGE_STATUSES } from '../../accounts/usage-query.js';

/*
 * What the admin endpoints accept. The OpenAPI document is generated from these, so it can't drift
 * from the parsing. Query values arrive as strings.
 */

/** Beyond this, micro-USD would stop being exact JS integers; no real grant comes near it. */
const MAX_USD = 1_000_000_000;

const accountName = z
  .string({ error: "'name' must be a string" })
  .trim()
  .min(1, "'name' must not be empty")
  .max(200, "'name' is at most 200 characters");

export const createAccountBodySchema = z.object({
  name: accountName.describe('A name to recognise the account by.'),
  credits: z
    .number({ error: "'credits' must be a number of USD or null" })
    .nonnegative("'credits' must not be negative")
    .max(MAX_USD, `'credits' is at most ${MAX_USD}`)
    .nullable()
    .optional()
    .describe('Starting credits in USD (a `grant` ledger entry). `null` or absent: unlimited, as for POST /v1/admin/keys.'),
});

export const adjustCreditsBodySchema = z.object({
  amount: z
    .number({ error: "'amount' must be a number of USD" })
    .refine((value) => value !== 0, "'amount' must not be 0")
    .refine((value) => Math.abs(value) <= MAX_USD, `'amount' is at most ${MAX_USD} USD either way`)
    .describe('USD: positive grants credits, negative deducts them (never below a limited balance of 0).'),
  note: z
    .string({ error: "'note' must be a string" })
    .max(500, "'note' is at most 500 characters")
    .optional()
    .describe('Kept on the ledger entry.'),
});

export const updateAccountBodySchema = z
  .object({
    name: accountName.optional(),
    unlimited: z
      .boolean({ error: "'unlimited' must be true or false" })
      .optional()
      .describe(
        'true: no balance (NULL), the ledger keeps counting. false: limited, starting from the sum of the ledger (or 0 if negative).',
      ),
  })
  .strict();

const limit = z
  .string()
  .regex(/^\d+$/, "'limit' must be a whole number from 1 to 1000")
  .transform(Number)
  .refine((value) => value >= 1 && value <= 1000, "'limit' must be a whole number from 1 to 1000")
  .optional()
  .describe('Rows per page, 1..1000 (default 100).');

const cursor = z.string().min(1).optional().describe("Opaque: the previous page's `next_cursor`.");

export const pageQuerySchema = z.object({ limit, cursor });

/** ISO 8601 (`2026-12-04`, `2026-12-04T10:00:00Z`) or epoch milliseconds. */
const instant = (name: string) =>
  z
    .string()
    .transform((text, context) => {
      const ms = /^\d+$/.test(text)
        ? Number(text)
        : /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)
          ? Date.parse(text)
          : Number.NaN;
      if (!Number.isSafeInteger(ms)) {
        context.addIssue({ code: 'custom', message: `'${name}' must be ISO 8601 (e.g. 2026-12-04T00:00:00Z) or epoch milliseconds` });
        return z.NEVER;
      }
      return ms;
    })
    .optional();

export const usageQuerySchema = z.object({
  account_id: z.string().min(1).optional().describe('Only this account.'),
  api_key_id: z.string().min(1).optional().describe('Only this API key.'),
  model: z.string().min(1).optional().describe('Only this model id.'),
  provider: z.string().min(1).optional().describe('Only this provider instance (the one that delivered).'),
  status: z.enum(USAGE_STATUSES, { error: `'status' must be one of ${USAGE_STATUSES.join(', ')}` }).optional(),
  from: instant('from').describe('Created at or after: ISO 8601 or epoch ms.'),
  to: instant('to').describe('Created before: ISO 8601 or epoch ms.'),
  group_by: z
    .enum(USAGE_GROUPS, { error: `'group_by' must be one of ${USAGE_GROUPS.join(', ')}` })
    .optional()
    .describe('Totals (count, images, cost) per UTC day, model, api key or provider instead of rows.'),
  format: z
    .enum(['json', 'csv'], { error: "'format' must be json or csv" })
    .optional()
    .describe('csv (or Accept: text/csv): every matching row as CSV.'),
  limit,
  cursor,
});
