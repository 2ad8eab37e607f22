import {
  adjustCreditsBodySchema,
  createAccountBodySchema,
  pageQuerySchema,
  updateAccountBodySchema,
  usageQuerySchema,
} from '../schemas/admin-request-schemas.js';
import {
  adminAccountListSchema,
  adminAccountSchema,
  ledgerEntrySchema,
  ledgerPageSchema,
  providerHealthSchema,
  usagePageSchema,
  usageTotalsSchema,
} from '../schemas/admin-response-schemas.js';
import { apiKeyResponseSchema, createApiKeyBodySchema, updateApiKeyBodySchema } from '../schemas/api-key-schemas.js';
import { errorResponses, json, queryParameters, ref, toJson, type JsonObject } from './openapi-json.js';

/*
 * The admin endpoints of the OpenAPI document (accounts, ledger, usage, provider health), from the
 * zod schemas the routes parse and answer with.
 */

const ADMIN_ERRORS: Record<number, string> = {
  400: 'Invalid request: `error.param` names the parameter.',
  401: 'Missing or invalid API key.',
  403: 'The key is not an admin key.',
  404: 'No such account or key.',
  409: 'A deduction would take a limited balance below 0 (`error.code` balance_too_low).',
};

const errors = (...statuses: number[]) => errorResponses(ADMIN_ERRORS, statuses);

const idParameter = { name: 'id', in: 'path', required: true, description: 'Account id.', schema: { type: 'string' } };

const adminOperation = (summary: string, operation: JsonObject): JsonObject => ({
  tags: ['Admin'],
  summary,
  security: [{ bearer: [] }],
  ...operation,
});

/** Component schemas the admin paths refer to. */
export function adminOpenApiSchemas(): JsonObject {
  return {
    AdminAccount: toJson(adminAccountSchema, 'output'),
    AdminAccountList: toJson(adminAccountListSchema, 'output'),
    LedgerEntry: toJson(ledgerEntrySchema, 'output'),
    LedgerPage: toJson(ledgerPageSchema, 'output'),
    UsagePage: toJson(usagePageSchema, 'output'),
    UsageTotals: toJson(usageTotalsSchema, 'output'),
    ProviderHealth: toJson(providerHealthSchema, 'output'),
    AdminApiKey: toJson(apiKeyResponseSchema, 'output'),
  };
}

const keyIdParameter = { name: 'id', in: 'path', required: true, description: 'Api key id.', schema: { type: 'string' } };
const keyWithSecret = json({
  allOf: [ref('AdminApiKey'), { type: 'object', properties: { key: { type: 'string', description: 'The secret, shown only now.' } } }],
});

/** The 200 of GET /v1/admin/usage, and of GET /v1/usage, the same pinned to the caller's account. */
export function usageOkResponse(): JsonObject {
  return {
    description: 'A page of generations, totals (with `group_by`), or CSV.',
    content: {
      'application/json': { schema: { oneOf: [ref('UsagePage'), ref('UsageTotals')] } },
      'text/csv': { schema: { type: 'string' } },
    },
  };
}

export function adminOpenApiPaths(): JsonObject {
  return {
    '/v1/admin/keys': {
      get: adminOperation('List api keys with their limits and current period spend (never their secrets)', {
        responses: {
          '200': {
            description: 'Every key, revoked ones included.',
            content: json({ type: 'object', properties: { data: { type: 'array', items: ref('AdminApiKey') } } }),
          },
          ...errors(401, 403),
        },
      }),
      post: adminOperation('Create an api key: on a new account (with credits, or unlimited) or an existing one, with scopes and limits', {
        description:
          'Limits: `expires_at`, `spend_limit` per `spend_limit_period` (UTC day, week from Monday, month; enforced in the same transaction as the credit hold: 402 `spend_limit_exceeded`), `requests_per_minute` and `max_concurrent_generations` (429 with Retry-After and RateLimit-* headers), `scopes`.',
        requestBody: { required: true, content: json(toJson(createApiKeyBodySchema, 'input')) },
        responses: { '201': { description: 'The key, with its secret.', content: keyWithSecret }, ...errors(400, 401, 403, 404) },
      }),
    },
    '/v1/admin/keys/{id}': {
      get: adminOperation('One api key', {
        parameters: [keyIdParameter],
        responses: { '200': { description: 'The key.', content: json(ref('AdminApiKey')) }, ...errors(401, 403, 404) },
      }),
      patch: adminOperation("Change a key's name, scopes or limits (absent = unchanged, null = no limit); applies from the next request", {
        parameters: [keyIdParameter],
        requestBody: { required: true, content: json(toJson(updateApiKeyBodySchema, 'input')) },
        responses: { '200': { description: 'The key afterwards.', content: json(ref('AdminApiKey')) }, ...errors(400, 401, 403, 404) },
      }),
      delete: adminOperation('Revoke a key: it stops authenticating at once', {
        parameters: [keyIdParameter],
        responses: {
          '200': {
            description: '{id, revoked: true}',
            content: json({ type: 'object', properties: { id: { type: 'string' }, revoked: { type: 'boolean' } } }),
          },
          ...errors(401, 403, 404),
        },
      }),
    },
    '/v1/admin/keys/{id}/rotate': {
      post: adminOperation('Replace the secret of a key: the old one stops at once; id, account, limits and period spend stay', {
        parameters: [keyIdParameter],
        responses: { '200': { description: 'The key, with its new secret.', content: keyWithSecret }, ...errors(401, 403, 404) },
      }),
    },
    '/v1/admin/accounts': {
      get: adminOperation('List accounts, newest first (balance, key count; cursor paging)', {
        parameters: queryParameters(pageQuerySchema),
        responses: { '200': { description: 'A page of accounts.', content: json(ref('AdminAccountList')) }, ...errors(400, 401, 403) },
      }),
      post: adminOperation('Create an account (limited with starting credits, or unlimited)', {
        requestBody: { required: true, content: json(toJson(createAccountBodySchema, 'input')) },
        responses: { '201': { description: 'The account.', content: json(ref('AdminAccount')) }, ...errors(400, 401, 403) },
      }),
    },
    '/v1/admin/accounts/{id}': {
      get: adminOperation('One account', {
        parameters: [idParameter],
        responses: { '200': { description: 'The account.', content: json(ref('AdminAccount')) }, ...errors(401, 403, 404) },
      }),
      patch: adminOperation('Rename an account, or make it unlimited or limited', {
        description:
          'Limited again (`unlimited: false`): the balance starts from the sum of the ledger, so balance = sum(ledger) holds at once; a negative sum is written off to 0 by an `adjust` entry.',
        parameters: [idParameter],
        requestBody: { required: true, content: json(toJson(updateAccountBodySchema, 'input')) },
        responses: { '200': { description: 'The account afterwards.', content: json(ref('AdminAccount')) }, ...errors(400, 401, 403, 404) },
      }),
    },
    '/v1/admin/accounts/{id}/credits': {
      post: adminOperation('Grant (positive amount) or deduct (negative) credits, with a note', {
        parameters: [idParameter],
        requestBody: { required: true, content: json(toJson(adjustCreditsBodySchema, 'input')) },
        responses: {
          '200': {
            description: 'The account afterwards and the entry written (`grant` or `adjust`).',
            content: json({
              type: 'object',
              properties: {
                account: ref('AdminAccount'),
                kind: { type: 'string', enum: ['grant', 'adjust'] },
                amount_micros: { type: 'integer' },
                amount: { type: 'number' },
              },
            }),
          },
          ...errors(400, 401, 403, 404, 409),
        },
      }),
    },
    '/v1/admin/accounts/{id}/ledger': {
      get: adminOperation("An account's ledger, newest first (cursor paging)", {
        parameters: [idParameter, ...queryParameters(pageQuerySchema)],
        responses: { '200': { description: 'A page of entries.', content: json(ref('LedgerPage')) }, ...errors(400, 401, 403, 404) },
      }),
    },
    '/v1/admin/usage': {
      get: adminOperation('Usage over generations: rows (cursor paging), totals per group, or CSV', {
        description:
          'Rows are ordered by created_at desc, id desc. `group_by` answers totals instead of rows (all groups, no paging). `format=csv` or `Accept: text/csv` streams every matching row (from `cursor` if given) as RFC 4180 CSV with a header row.',
        parameters: queryParameters(usageQuerySchema),
        responses: {
          '200': usageOkResponse(),
          ...errors(400, 401, 403),
        },
      }),
    },
    '/v1/admin/providers': {
      get: adminOperation('Health of each configured provider instance (this process)', {
        responses: {
          '200': { description: 'Breaker state, error rate, p50/p95 latency, last error.', content: json(ref('ProviderHealth')) },
          ...errors(401, 403),
        },
      }),
    },
  };
}
