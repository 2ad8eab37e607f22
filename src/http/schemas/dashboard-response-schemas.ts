import { z } from 'zod';
import { API_KEY_SCOPES } from '../../accounts/api-key-limits.js';
import { apiKeyResponseSchema } from './api-key-schemas.js';
import { generationResponseSchema } from './webhook-schemas.js';

/*
 * What the dashboard's endpoints answer: the source of their part of the OpenAPI document, and
 * what the tests parse the real answers with, so the document can't drift from the routes.
 */

const usd = z.number().describe('USD.');

export const keyInfoResponseSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  prefix: z.string().describe('The first characters of the key.'),
  scopes: z.array(z.enum(API_KEY_SCOPES)),
  admin: z.boolean(),
  expires_at: z.number().int().nullable().describe('Epoch ms; null = never.'),
  spend_limit: apiKeyResponseSchema.shape.spend_limit,
  requests_per_minute: z.number().int().nullable(),
  max_concurrent_generations: z.number().int().nullable(),
  account: z.strictObject({
    id: z.string(),
    name: z.string(),
    unlimited: z.boolean(),
    balance_micros: z.number().int().nullable().describe('null = unlimited.'),
    balance: usd.nullable(),
  }),
});

export const generationListResponseSchema = z.strictObject({
  data: z.array(generationResponseSchema).describe('Each item is what GET /v1/generations/{id} answers.'),
  next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last.'),
});

export const accountKeyListResponseSchema = z.strictObject({ data: z.array(apiKeyResponseSchema) });

export const modelRoutesResponseSchema = z.strictObject({
  model: z.string().describe('The canonical id (an alias resolves to it).'),
  strategy: z.string().describe('How the router orders the routes: priority, weighted, cheapest or fastest.'),
  routes: z.array(
    z.strictObject({
      provider: z.string().describe('The provider instance id.'),
      upstream_model: z.string().describe('The model name the upstream is sent.'),
      priority: z.number().int(),
      configured: z.boolean().describe('The instance has its base URL and key here: false routes are skipped.'),
      price: z
        .strictObject({ type: z.enum(['fixed', 'table', 'tokens', 'upstream', 'gpu_seconds']), min: usd, average: usd, max: usd })
        .nullable()
        .describe('Per image; null = unpriced, never routed to.'),
      breaker: z.enum(['closed', 'open', 'half_open']).nullable().describe("The instance's circuit breaker; null when not configured."),
      error_rate: z.number().nullable().describe('Of the recent calls; null before the first.'),
      p50_latency_ms: z.number().int().nullable(),
      recent_calls: z.number().int().describe('Calls this process made to the instance, latest 100 at most.'),
    }),
  ),
});

const settingValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.null()]);

export const adminConfigResponseSchema = z.strictObject({
  settings: z
    .record(z.string(), settingValue)
    .describe('By environment variable, defaults applied. Secrets show as •••• plus at most their last 4 characters; null = unset.'),
  providers: z.array(
    z.strictObject({
      id: z.string(),
      adapter: z.string(),
      title: z.string(),
      base_url: z.string().nullable().describe('Any password in it masked.'),
      base_url_variable: z.string(),
      configured: z.boolean(),
      missing: z.string().nullable().describe('The variable to set when not configured.'),
      key_variables: z.array(z.strictObject({ name: z.string(), set: z.boolean() })).describe('Names only: never a key.'),
      keys: z.number().int().describe('How many keys the variable holds (comma-separated).'),
    }),
  ),
  routing: z.strictObject({
    max_retries: z.number().int(),
    backoff_base_ms: z.number().int(),
    backoff_max_ms: z.number().int(),
    max_retry_after_ms: z.number().int(),
    circuit_breaker: z.strictObject({ failure_threshold: z.number().int(), open_ms: z.number().int() }),
  }),
  storage: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('local'), images_dir: z.string(), retention_days: z.number().int() }),
    z.strictObject({
      kind: z.literal('s3'),
      bucket: z.string(),
      endpoint: z.string().nullable(),
      region: z.string(),
      hosted_urls: z.enum(['gateway', 'public', 'presigned']),
      retention_days: z.number().int(),
    }),
  ]),
  catalog: z.strictObject({ models: z.number().int(), active_models: z.number().int(), config_file: z.string().nullable() }),
});
