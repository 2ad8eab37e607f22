import { z } from 'zod';
import { API_KEY_SCOPES, SPEND_PERIODS } from '../../accounts/api-key-limits.js';

export const errorResponseSchema = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string().describe('invalid_request_error, unauthorized, rate_limit_error, content_policy_violation, upstream_error, ...'),
      param: z.string().optional().describe('The request parameter at fault.'),
      code: z.string().optional(),
      status: z.number().int().optional().describe('Only in bodies sent after a heartbeat committed a 200.'),
    }),
  })
  .describe('Every error has this shape.');

export const warningSchema = z.object({
  type: z.enum(['unsupported', 'adapted', 'deprecated', 'other']),
  setting: z.string().optional(),
  provider: z.string().optional(),
  message: z.string(),
});

export const imageResponseSchema = z.object({
  created: z.number().int().describe('Unix time in milliseconds.'),
  data: z.array(z.union([z.object({ url: z.string() }), z.object({ b64_json: z.string() })])),
  latency: z.number().int().describe('Milliseconds from request to result.'),
  cost: z.number().describe('USD charged.'),
  id: z.string().describe('Generation id (also in the X-Generation-Id header).'),
  warnings: z.array(warningSchema).optional().describe('Settings that were adapted or ignored.'),
});

export const creditsResponseSchema = z.object({
  remaining_credits: z.string().nullable().describe('USD; null for an unlimited account.'),
  credit_usage: z.string(),
  total_deposits: z.string(),
  unlimited: z.boolean(),
  usage_by_api_key: z
    .array(
      z.object({
        api_key_id: z.string(),
        api_key_name: z.string(),
        credit_usage: z.string(),
        total_requests: z.number().int(),
        created_at: z.string().nullable(),
        is_active: z.boolean().describe('False once revoked or expired.'),
        expires_at: z.string().nullable(),
        scopes: z.array(z.enum(API_KEY_SCOPES)),
        spend_limit: z.string().nullable().describe('USD per spend_limit_period; null = no limit.'),
        spend_limit_period: z.enum(SPEND_PERIODS).nullable(),
        period_spend: z.string().nullable().describe('USD charged plus held in the current period.'),
        period_start: z.string().nullable(),
        period_resets_at: z.string().nullable(),
        requests_per_minute: z.number().int().nullable(),
        max_concurrent_generations: z.number().int().nullable(),
      }),
    )
    .optional(),
});
