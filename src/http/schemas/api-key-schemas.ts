import { z } from 'zod';
import type { ApiKeyWithAccount } from '../../accounts/account-records.js';
import { API_KEY_SCOPES, SPEND_PERIODS, type SpendLimit } from '../../accounts/api-key-limits.js';
import type { ApiKeyLimitsInput } from '../../accounts/api-key-repository.js';
import { keyPeriodSpend } from '../../accounts/key-period-spend.js';
import { microsToUsd, usdToMicros } from '../../domain/money.js';
import { ApiError } from '../../errors/api-error.js';

/** An instant as ISO 8601 text or epoch milliseconds; `null` clears it. */
const instantSchema = z.union(
  [
    z.number().int('must be epoch milliseconds').positive(),
    z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'must be an ISO 8601 date-time, e.g. 2027-01-31T00:00:00Z'),
  ],
  { error: "'expires_at' must be an ISO 8601 date-time or epoch milliseconds" },
);

const positiveCount = (name: string) =>
  z
    .number({ error: `'${name}' must be a whole number` })
    .int(`'${name}' must be a whole number`)
    .positive(`'${name}' must be at least 1`)
    .max(1_000_000, `'${name}' must be at most 1000000`);

/** Limits as the admin API takes them, on create and update alike (absent = unchanged, null = none). */
export const apiKeyLimitsFields = {
  scopes: z
    .array(z.enum(API_KEY_SCOPES, { error: `'scopes' items must be one of ${API_KEY_SCOPES.join(', ')}` }))
    .min(1, "'scopes' needs at least one scope")
    .optional()
    .describe('generate: image endpoints and MCP; read: generations and credits; admin: /v1/admin/*. Default generate, read.'),
  expires_at: instantSchema.nullable().optional().describe('ISO 8601 or epoch ms; the key stops authenticating then.'),
  spend_limit: z
    .number({ error: "'spend_limit' must be a number of USD" })
    .positive("'spend_limit' must be more than 0")
    .nullable()
    .optional()
    .describe('USD the key may spend per spend_limit_period (holds count until settled).'),
  spend_limit_period: z
    .enum(SPEND_PERIODS, { error: "'spend_limit_period' must be day, week or month" })
    .optional()
    .describe('UTC; weeks start on Monday. Default month.'),
  requests_per_minute: positiveCount('requests_per_minute').nullable().optional().describe('Generation requests per sliding minute.'),
  max_concurrent_generations: positiveCount('max_concurrent_generations').nullable().optional().describe('Generations running at once.'),
};

export const createApiKeyBodySchema = z.object({
  name: z.string({ error: "'name' must be a string" }).trim().min(1, "'name' is a required parameter").max(200),
  credits: z.number({ error: "'credits' must be a number of USD" }).nonnegative("'credits' must not be negative").nullable().optional(),
  admin: z.boolean({ error: "'admin' must be a boolean" }).optional().describe('Shorthand for scopes generate, read, admin.'),
  account_id: z.string({ error: "'account_id' must be a string" }).min(1).optional().describe('Add the key to this account.'),
  ...apiKeyLimitsFields,
});

export const updateApiKeyBodySchema = z.object({
  name: z.string({ error: "'name' must be a string" }).trim().min(1, "'name' must not be empty").max(200).optional(),
  ...apiKeyLimitsFields,
});

type LimitsBody = z.infer<typeof updateApiKeyBodySchema>;

/**
 * The body's limits for the repository. `spend_limit_period` alone changes the period of the
 * existing limit, which the caller passes as `current`.
 */
export function limitsFromBody(body: LimitsBody, current: SpendLimit | null): ApiKeyLimitsInput {
  const limits: ApiKeyLimitsInput = {};
  if (body.scopes !== undefined) limits.scopes = body.scopes;
  if (body.expires_at !== undefined) limits.expiresAt = body.expires_at === null ? null : toEpochMs(body.expires_at);
  if (body.spend_limit === null) limits.spendLimit = null;
  else if (body.spend_limit !== undefined) {
    limits.spendLimit = { micros: usdToMicros(body.spend_limit), period: body.spend_limit_period ?? current?.period ?? 'month' };
  } else if (body.spend_limit_period !== undefined && current !== null) {
    limits.spendLimit = { micros: current.micros, period: body.spend_limit_period };
  }
  if (body.requests_per_minute !== undefined) limits.requestsPerMinute = body.requests_per_minute;
  if (body.max_concurrent_generations !== undefined) limits.maxConcurrentGenerations = body.max_concurrent_generations;
  return limits;
}

/** `spend_limit_period` alone, for a key without a spend limit: a period of nothing, refused rather than ignored. */
export function setsPeriodWithoutLimit(body: LimitsBody, current: SpendLimit | null): boolean {
  return body.spend_limit_period !== undefined && body.spend_limit === undefined && current === null;
}

/**
 * An update body as the repository takes it: the name, and the limits against the key's `current`
 * spend limit. A period without a limit is a 400 naming `spend_limit_period`.
 */
export function keyUpdateFromBody(body: LimitsBody, current: SpendLimit | null): ApiKeyLimitsInput & { name?: string } {
  if (setsPeriodWithoutLimit(body, current)) {
    throw new ApiError({
      kind: 'invalid_request',
      param: 'spend_limit_period',
      message: "This key has no spend limit: send 'spend_limit' with 'spend_limit_period'.",
    });
  }
  const { name, ...limits } = body;
  return { ...(name === undefined ? {} : { name }), ...limitsFromBody(limits, current) };
}

function toEpochMs(value: number | string): number {
  return typeof value === 'number' ? value : Date.parse(value);
}

export const apiKeyResponseSchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string().describe('The first characters of the key.'),
  admin: z.boolean(),
  scopes: z.array(z.enum(API_KEY_SCOPES)),
  account_id: z.string(),
  balance_micros: z.number().int().nullable().describe("The account's balance; null = unlimited."),
  created_at: z.number().int().describe('Epoch ms, like every time in the admin API.'),
  revoked_at: z.number().int().nullable(),
  last_used_at: z.number().int().nullable(),
  expires_at: z.number().int().nullable(),
  expired: z.boolean(),
  spend_limit: z
    .object({
      limit_micros: z.number().int(),
      limit: z.number().describe('USD.'),
      period: z.enum(SPEND_PERIODS),
      period_start: z.number().int(),
      period_spend_micros: z.number().int().describe('Charged plus held in the current period.'),
      period_spend: z.number(),
      resets_at: z.number().int(),
    })
    .nullable(),
  requests_per_minute: z.number().int().nullable(),
  max_concurrent_generations: z.number().int().nullable(),
});

export type ApiKeyResponse = z.infer<typeof apiKeyResponseSchema>;

export function serializeApiKey({ apiKey, account }: ApiKeyWithAccount, now: number): ApiKeyResponse {
  const spend = keyPeriodSpend(apiKey, now);
  return {
    id: apiKey.id,
    name: apiKey.name,
    prefix: apiKey.keyPrefix,
    admin: apiKey.isAdmin,
    scopes: apiKey.limits.scopes,
    account_id: account.id,
    balance_micros: account.balanceMicros,
    created_at: apiKey.createdAt,
    revoked_at: apiKey.revokedAt,
    last_used_at: apiKey.lastUsedAt,
    expires_at: apiKey.limits.expiresAt,
    expired: apiKey.limits.expiresAt !== null && apiKey.limits.expiresAt <= now,
    spend_limit:
      spend === null
        ? null
        : {
            limit_micros: spend.limit.micros,
            limit: microsToUsd(spend.limit.micros),
            period: spend.limit.period,
            period_start: spend.periodStart,
            period_spend_micros: spend.spentMicros,
            period_spend: microsToUsd(spend.spentMicros),
            resets_at: spend.resetsAt,
          },
    requests_per_minute: apiKey.limits.requestsPerMinute,
    max_concurrent_generations: apiKey.limits.maxConcurrentGenerations,
  };
}
