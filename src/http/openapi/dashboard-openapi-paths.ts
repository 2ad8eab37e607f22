import { accountKeyCreateBodySchema, accountKeyUpdateBodySchema } from '../schemas/account-key-schemas.js';
import { usageQuerySchema } from '../schemas/admin-request-schemas.js';
import {
  accountKeyListResponseSchema,
  adminConfigResponseSchema,
  generationListResponseSchema,
  keyInfoResponseSchema,
  modelRoutesResponseSchema,
} from '../schemas/dashboard-response-schemas.js';
import { generationListQuerySchema } from '../schemas/generation-list-schemas.js';
import { usageOkResponse } from './admin-openapi-paths.js';
import { errorResponses, json, queryParameters, ref, toJson, type JsonObject } from './openapi-json.js';

/*
 * The endpoints the web dashboard uses beyond the public and admin APIs: the caller's own key,
 * generations, usage and keys, a model's routes, the operator's configuration view.
 */

const ERRORS: Record<number, string> = {
  400: 'Invalid request: `error.param` names the parameter.',
  401: 'Missing or invalid API key.',
  403: 'The key lacks a scope this endpoint needs, or asked for more than it has (`error.param` names it).',
  404: 'Not found (a key of another account is as unknown as a missing one).',
};
const errors = (...statuses: number[]) => errorResponses(ERRORS, statuses);

const operation = (tag: string, summary: string, rest: JsonObject): JsonObject => ({
  tags: [tag],
  summary,
  security: [{ bearer: [] }],
  ...rest,
});
const keyId = { name: 'id', in: 'path', required: true, description: 'Api key id.', schema: { type: 'string' } };

export function dashboardOpenApiSchemas(): JsonObject {
  return {
    KeyInfo: toJson(keyInfoResponseSchema, 'output'),
    GenerationList: toJson(generationListResponseSchema, 'output'),
    ModelRoutes: toJson(modelRoutesResponseSchema, 'output'),
    AdminConfig: toJson(adminConfigResponseSchema, 'output'),
    AccountKeyList: toJson(accountKeyListResponseSchema, 'output'),
  };
}

export function dashboardOpenApiPaths(): JsonObject {
  return {
    '/v1/key': {
      get: operation('Account', 'The calling key: scopes, limits, and its account with the balance (any valid key)', {
        responses: { '200': { description: 'The key.', content: json(ref('KeyInfo')) }, ...errors(401) },
      }),
    },
    '/v1/generations': {
      get: operation('Images', "Your account's generations, newest first, with cursor paging (scope read)", {
        parameters: queryParameters(generationListQuerySchema),
        responses: { '200': { description: 'A page of generations.', content: json(ref('GenerationList')) }, ...errors(400, 401, 403) },
      }),
    },
    '/v1/usage': {
      get: operation('Account', "Your account's usage: rows, totals per group, or CSV (scope read)", {
        description:
          "GET /v1/admin/usage pinned to the calling key's account: the same filters, `group_by`, cursor and CSV. An `account_id` other than your own is a 403.",
        parameters: queryParameters(usageQuerySchema),
        responses: {
          '200': usageOkResponse(),
          ...errors(400, 401, 403),
        },
      }),
    },
    '/v1/keys': {
      get: operation('Account', "Your account's api keys with limits and period spend, never their secrets (scopes generate and read)", {
        responses: { '200': { description: 'Every key of the account.', content: json(ref('AccountKeyList')) }, ...errors(401, 403) },
      }),
      post: operation('Account', 'Create a key on your account, with at most your own scopes (scopes generate and read)', {
        description:
          "The new key shares the account's balance: `credits` and `account_id` are refused (400). `admin` only from an admin key (403 naming `scopes`).",
        requestBody: { required: true, content: json(toJson(accountKeyCreateBodySchema, 'input')) },
        responses: {
          '201': {
            description: 'The key with its secret, shown only now.',
            content: json({
              allOf: [
                ref('AdminApiKey'),
                { type: 'object', properties: { key: { type: 'string', description: 'The secret, shown only now.' } } },
              ],
            }),
          },
          ...errors(400, 401, 403),
        },
      }),
    },
    '/v1/keys/{id}': {
      patch: operation('Account', "Change one of your account's keys: name, scopes (at most yours), limits", {
        parameters: [keyId],
        requestBody: { required: true, content: json(toJson(accountKeyUpdateBodySchema, 'input')) },
        responses: { '200': { description: 'The key afterwards.', content: json(ref('AdminApiKey')) }, ...errors(400, 401, 403, 404) },
      }),
      delete: operation('Account', "Revoke one of your account's keys: it stops authenticating at once", {
        parameters: [keyId],
        responses: {
          '200': {
            description: '{id, revoked: true}',
            content: json({ type: 'object', properties: { id: { type: 'string' }, revoked: { type: 'boolean' } } }),
          },
          ...errors(401, 403, 404),
        },
      }),
    },
    '/v1/models/{id}/routes': {
      get: operation('Models', "A model's routes as the router sees them: instance, price, breaker, error rate, latency (any valid key)", {
        parameters: [
          {
            name: 'id',
            in: 'path',
            required: true,
            description: 'Model id (slashes as is or encoded) or alias.',
            schema: { type: 'string' },
          },
        ],
        responses: { '200': { description: 'The routes.', content: json(ref('ModelRoutes')) }, ...errors(401, 404) },
      }),
    },
    '/v1/admin/config': {
      get: operation('Admin', 'The effective configuration with secrets masked: settings, provider instances, routing, storage, catalog', {
        responses: { '200': { description: 'The configuration.', content: json(ref('AdminConfig')) }, ...errors(401, 403) },
      }),
    },
  };
}
