import { modelsV1QuerySchema, modelsV2QuerySchema } from '../../catalog/models-query.js';
import { imageRequestFieldsSchema } from '../../generation/image-request-schema.js';
import { adminOpenApiPaths, adminOpenApiSchemas } from './admin-openapi-paths.js';
import { dashboardOpenApiPaths, dashboardOpenApiSchemas } from './dashboard-openapi-paths.js';
import { creditsResponseSchema, errorResponseSchema, imageResponseSchema } from '../schemas/response-schemas.js';
import { generationResponseSchema, webhookSecretResponseSchema } from '../schemas/webhook-schemas.js';
import { errorResponses, queryParameters, toJson, type JsonObject } from './openapi-json.js';

const errors = (statuses: number[]) => errorResponses(ERROR_DESCRIPTIONS, statuses);

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: the message names the parameter (`error.param`).',
  401: 'Missing or invalid API key.',
  402: 'Insufficient credits.',
  403: 'The key may not do this.',
  404: 'Not found.',
  409: 'Conflict with the current state (the message says which).',
  410: 'The model is retired.',
  413: 'Body or file too large.',
  415: 'Unsupported Content-Type.',
  429: 'Rate limited (see Retry-After).',
  502: 'The provider failed.',
  503: 'No provider is configured for the model.',
  504: 'The provider did not answer before the deadline.',
};

function imageOperation(summary: string, description: string): JsonObject {
  const fields = toJson(imageRequestFieldsSchema);
  const properties = (fields['properties'] ?? {}) as JsonObject;
  const { image: _image, images: _images, mask: _mask, ...textProperties } = properties;
  return {
    summary,
    description,
    tags: ['Images'],
    security: [{ bearer: [] }],
    requestBody: {
      required: true,
      content: {
        'application/json': { schema: fields },
        'multipart/form-data': {
          schema: {
            type: 'object',
            required: ['model'],
            properties: {
              ...textProperties,
              'image[]': {
                type: 'array',
                items: { type: 'string', format: 'binary' },
                maxItems: 16,
                description: 'Input images (also accepted as `image`).',
              },
              'mask[]': {
                type: 'string',
                format: 'binary',
                description: 'PNG/WebP mask with alpha; transparent pixels mark the area to edit (also `mask`).',
              },
            },
          },
        },
      },
    },
    responses: {
      '202': { description: 'With `Prefer: respond-async`: accepted; poll GET /v1/generations/{id} (also in `Location`).' },
      '200': {
        description: 'The images. Headers: X-Generation-Id, X-ImageRouter-Attempts.',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/ImageResponse' } } },
      },
      ...errors([400, 401, 402, 404, 410, 413, 415, 429, 502, 503, 504]),
    },
  };
}

const queryParameter = (name: string, description: string, schema: JsonObject = { type: 'string' }) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});

/** The served OpenAPI 3.1 document, generated from the same zod schemas that validate requests. */
export function buildOpenApiDocument(serverUrl: string): JsonObject {
  const generate = imageOperation(
    'Generate or edit images (JSON or multipart)',
    'The unified image endpoint. JSON may carry input images as data URIs, base64 or http(s) URLs; multipart carries files in `image[]` and `mask[]`.',
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'ImageRouter (self-hosted) API',
      version: '0.1.0',
      description: 'One OpenAI-compatible API for image generation and editing with any model from any provider.',
    },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key from `imagerouter keys create`.' } },
      schemas: {
        Error: toJson(errorResponseSchema),
        ImageResponse: toJson(imageResponseSchema),
        Credits: toJson(creditsResponseSchema),
        Generation: toJson(generationResponseSchema),
        WebhookSecret: toJson(webhookSecretResponseSchema),
        ...adminOpenApiSchemas(),
        ...dashboardOpenApiSchemas(),
      },
    },
    tags: [{ name: 'Images' }, { name: 'Models' }, { name: 'Account' }, { name: 'Agents' }, { name: 'Operations' }, { name: 'Admin' }],
    paths: {
      '/v1/openai/images/generations': { post: { ...generate, operationId: 'generateImages' } },
      '/v1/openai/images/edits': { post: { ...generate, operationId: 'editImages' } },
      '/v1/images/generations': { post: { ...generate, operationId: 'generateImagesOpenAI' } },
      '/v1/images/edits': { post: { ...generate, operationId: 'editImagesOpenAI' } },
      '/v1/models': {
        get: {
          tags: ['Models'],
          summary: 'List models (object keyed by id)',
          parameters: queryParameters(modelsV1QuerySchema),
          responses: { '200': { description: 'Models keyed by id.' }, ...errors([400]) },
        },
      },
      '/v1/models/{id}': {
        get: {
          tags: ['Models'],
          summary: 'One model (slashes in the id may be sent as is or encoded)',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'The model.' }, ...errors([404]) },
        },
      },
      '/v2/models': {
        get: {
          tags: ['Models'],
          summary: 'List models (array form)',
          parameters: queryParameters(modelsV2QuerySchema),
          responses: { '200': { description: 'An array of models.' }, ...errors([400]) },
        },
      },
      '/v1/openai/models': {
        get: {
          tags: ['Models'],
          summary: "Models in OpenAI's list form",
          responses: { '200': { description: '{object:"list", data:[...]}' } },
        },
      },
      '/v1/openai/models/{id}': {
        get: {
          tags: ['Models'],
          summary: "One model in OpenAI's form (OpenAI SDKs' models.retrieve)",
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: '{id, object:"model", created, owned_by}' }, ...errors([404]) },
        },
      },
      '/operations/get-popular-models': {
        post: {
          tags: ['Models'],
          summary: 'Top 10 models by successful generations over the last 7 days',
          responses: { '200': { description: 'An array of models.' } },
        },
      },
      '/v1/credits': {
        get: {
          tags: ['Account'],
          summary: "The calling key's account balance and usage",
          security: [{ bearer: [] }],
          parameters: [queryParameter('by_api_key', "'true' adds usage per API key.")],
          responses: {
            '200': { description: 'Balance.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Credits' } } } },
            ...errors([401]),
          },
        },
      },
      '/v1/generations/{id}': {
        get: {
          tags: ['Images'],
          summary:
            'One of your generations: status, cost, attempts; the images once done (async mode: `Prefer: respond-async` on the image endpoint answers 202 with this id)',
          security: [{ bearer: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': {
              description: 'The generation.',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Generation' } } },
            },
            ...errors([401, 404]),
          },
        },
        delete: {
          tags: ['Images'],
          summary:
            "Delete one of your generations' images (files or bucket objects) and prompt now, instead of at the end of the retention; the usage record stays. Needs the `generate` scope",
          security: [{ bearer: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': {
              description: '`{id, object: "image.generation", deleted: true, images_deleted}`; again later, `images_deleted: 0`.',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['id', 'object', 'deleted', 'images_deleted'],
                    properties: {
                      id: { type: 'string' },
                      object: { type: 'string', const: 'image.generation' },
                      deleted: { type: 'boolean', const: true },
                      images_deleted: { type: 'integer', minimum: 0 },
                    },
                  },
                },
              },
            },
            ...errors([401, 403, 404, 409]),
          },
        },
      },
      '/v1/webhooks/secret': {
        post: {
          tags: ['Account'],
          summary: "Create or rotate the account's webhook signing secret (shown only in this answer)",
          description:
            'Needed before any request with `webhook_url`. Each finished generation is POSTed to its `webhook_url` as the Generation object with `X-ImageRouter-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` and `X-ImageRouter-Delivery: <delivery id>` (the same on retries); a non-2xx answer is retried with backoff for 24 h. Rotating signs every later attempt with the new secret.',
          security: [{ bearer: [] }],
          responses: {
            '201': {
              description: 'The new secret.',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/WebhookSecret' } } },
            },
            ...errors([401]),
          },
        },
      },
      '/storage/{file}': {
        get: {
          tags: ['Images'],
          summary: 'A hosted image (`{id}.{ext}`)',
          parameters: [{ name: 'file', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'The image bytes.' }, ...errors([404]) },
        },
      },
      '/mcp': {
        post: {
          tags: ['Agents'],
          summary: 'Model Context Protocol (Streamable HTTP, stateless): tools generate_image, edit_image, list_models',
          description:
            "JSON-RPC messages of MCP; use an MCP client rather than calling it by hand. Tool calls run the same generation as the image endpoint, charged to the key; failures are tool results with `isError: true` and the gateway's message.",
          security: [{ bearer: [] }],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { type: 'object', description: 'A JSON-RPC request or notification.' } } },
          },
          responses: {
            '200': { description: 'The JSON-RPC response, as a server-sent event stream.' },
            '202': { description: 'A notification was accepted.' },
            ...errors([401]),
          },
        },
        get: {
          tags: ['Agents'],
          summary: 'Not offered (stateless server): 405',
          responses: { '405': { description: 'Method not allowed.' } },
        },
        delete: {
          tags: ['Agents'],
          summary: 'Not offered (stateless server): 405',
          responses: { '405': { description: 'Method not allowed.' } },
        },
      },
      '/health': { get: { tags: ['Operations'], summary: 'Liveness', responses: { '200': { description: '{status:"ok"}' } } } },
      '/ready': {
        get: {
          tags: ['Operations'],
          summary: 'Readiness (database and image storage reachable)',
          responses: {
            '200': {
              description:
                'Ready: {status, database, storage, models}; or `status: "degraded"` with `redis: "degraded"` while Redis (REDIS_URL) is down and limits are kept per process.',
            },
            '503': { description: 'Not ready: {status:"not_ready", <database|storage>:"unavailable", error}.' },
          },
        },
      },
      '/metrics': {
        get: { tags: ['Operations'], summary: 'Prometheus metrics', responses: { '200': { description: 'Text exposition format.' } } },
      },
      '/openapi.json': { get: { tags: ['Operations'], summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1.' } } } },
      ...adminOpenApiPaths(),
      ...dashboardOpenApiPaths(),
    },
  };
}
