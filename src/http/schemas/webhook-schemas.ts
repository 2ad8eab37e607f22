import { z } from 'zod';

/** `POST /v1/webhooks/secret`'s answer: the only time the secret is shown. */
export const webhookSecretResponseSchema = z.object({
  secret: z.string().describe('`whsec_...`: the HMAC-SHA256 key (as UTF-8 text) of `X-ImageRouter-Signature`. Store it now.'),
  created_at: z.string().describe('ISO 8601.'),
});

export const webhookAttemptSchema = z.object({
  at: z.number().int().describe('Unix time in milliseconds when the POST started.'),
  http_status: z.number().int().nullable().describe("The receiver's status; null when it gave none (refused, timed out, blocked)."),
  error: z.string().nullable().describe('Why there was no status.'),
  duration_ms: z.number().int(),
});

export const generationWebhookSchema = z
  .object({
    url: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']).describe('`delivered` on a 2xx; `failed` once retries ran out (24 h).'),
    attempts: z.array(webhookAttemptSchema),
    next_attempt_at: z.number().int().nullable().describe('Unix time in milliseconds; null when none is planned.'),
  })
  .nullable()
  .describe('The webhook delivery of a request with `webhook_url`; null without one.');

/** `GET /v1/generations/{id}`, and the body a webhook POSTs. */
export const generationResponseSchema = z.object({
  id: z.string(),
  object: z.literal('image.generation'),
  status: z.enum(['processing', 'success', 'error']),
  model: z.string(),
  prompt: z.string().nullable().describe('Null for b64_ephemeral requests, whose prompt is not kept.'),
  created: z.number().int().describe('Unix time in milliseconds.'),
  finished: z.number().int().nullable(),
  provider: z.string().nullable(),
  cost: z.number().describe('USD charged.'),
  latency: z.number().int().nullable(),
  response_format: z.string(),
  data: z
    .array(z.object({ url: z.string(), revised_prompt: z.string().nullable() }))
    .optional()
    .describe('Once `success`.'),
  error: z
    .object({ message: z.string(), type: z.string(), code: z.string().optional(), param: z.string().optional(), status: z.number().int() })
    .optional()
    .describe('Once `error`.'),
  warnings: z.array(z.unknown()),
  attempts: z.array(z.unknown()).describe('Provider attempts.'),
  webhook: generationWebhookSchema,
});
