import { z } from 'zod';
import { LEDGER_KINDS } from '../../accounts/ledger-history.js';
import { USAGE_STATUSES } from '../../accounts/usage-query.js';

/* What the admin endpoints answer: money as integer `*_micros` plus the same amount in USD. */

const nextCursor = z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page.');

export const adminAccountSchema = z.object({
  id: z.string(),
  name: z.string(),
  unlimited: z.boolean(),
  balance_micros: z.number().int().nullable().describe('null for an unlimited account.'),
  balance: z.number().nullable().describe('USD.'),
  key_count: z.number().int(),
  created_at: z.string().describe('ISO 8601.'),
});

export const adminAccountListSchema = z.object({ data: z.array(adminAccountSchema), next_cursor: nextCursor });

export const ledgerEntrySchema = z.object({
  id: z.string(),
  kind: z.enum(LEDGER_KINDS),
  amount_micros: z.number().int().describe('Signed change of the balance.'),
  amount: z.number().describe('USD.'),
  generation_id: z.string().nullable(),
  note: z.string().nullable(),
  created_at: z.string(),
});

export const ledgerPageSchema = z.object({ account_id: z.string(), data: z.array(ledgerEntrySchema), next_cursor: nextCursor });

export const usageRowSchema = z.object({
  id: z.string(),
  created_at: z.string(),
  account_id: z.string(),
  api_key_id: z.string(),
  model: z.string(),
  provider: z.string().nullable(),
  status: z.enum(USAGE_STATUSES),
  n: z.number().int(),
  images: z.number().int(),
  cost_micros: z.number().int(),
  cost: z.number(),
  latency_ms: z.number().int().nullable(),
  error_type: z.string().nullable(),
});

export const usagePageSchema = z.object({ data: z.array(usageRowSchema), next_cursor: nextCursor });

export const usageTotalsSchema = z.object({
  group_by: z.string(),
  data: z.array(
    z.object({
      key: z.string().nullable().describe('The day (YYYY-MM-DD, UTC), model, api key id or provider (null: no provider delivered).'),
      count: z.number().int(),
      images: z.number().int(),
      cost_micros: z.number().int(),
      cost: z.number(),
    }),
  ),
  total: z.object({ count: z.number().int(), images: z.number().int(), cost_micros: z.number().int(), cost: z.number() }),
});

const breakerState = z.enum(['closed', 'open', 'half_open']);

export const providerHealthSchema = z.object({
  scope: z.literal('process').describe('Each gateway process (replica) reports the calls it made itself.'),
  window_calls: z.number().int().describe('The latest calls per instance that rates and percentiles cover.'),
  data: z.array(
    z.object({
      instance: z.string(),
      adapter: z.string(),
      title: z.string(),
      breaker: breakerState,
      breaker_disabled: z.boolean(),
      keys: z.array(z.object({ index: z.number().int(), breaker: breakerState })),
      recent_calls: z.number().int(),
      recent_errors: z.number().int(),
      error_rate: z.number().nullable(),
      p50_latency_ms: z.number().nullable(),
      p95_latency_ms: z.number().nullable(),
      last_call_at: z.string().nullable(),
      last_error: z.object({ kind: z.string(), message: z.string(), at: z.string() }).nullable(),
    }),
  ),
});
