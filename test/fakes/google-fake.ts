import type { ServerResponse } from 'node:http';
import {
  sendJson,
  sendMalformed,
  sendTruncatedJson,
  sleep,
  startFakeUpstream,
  type FakeContext,
  type FakeScenario,
  type FakeUpstream,
  type RecordedCall,
} from './fake-upstream.js';

/*
 * What the Gemini and Imagen fakes share: both are Google APIs (Developer API and Vertex paths, the
 * same credentials and the same `google.rpc.Status` errors) that answer one request synchronously,
 * with a queue of API-specific replies that win over the shared scenarios.
 */

/** A `google.rpc.Status` error body. */
export function sendGoogleError(response: ServerResponse, code: number, status: string, message: string, details: unknown[] = []): void {
  sendJson(response, code, { error: { code, message, status, ...(details.length > 0 ? { details } : {}) } });
}

/** 429 as Google sends it: no Retry-After header, the delay in `RetryInfo`. */
export function sendGoogleRateLimit(response: ServerResponse): void {
  sendGoogleError(
    response,
    429,
    'RESOURCE_EXHAUSTED',
    'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.',
    [
      {
        '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
        violations: [
          {
            quotaMetric: 'generativelanguage.googleapis.com/generate_requests_per_model',
            quotaId: 'GenerateRequestsPerMinutePerProjectPerModel',
          },
        ],
      },
      {
        '@type': 'type.googleapis.com/google.rpc.Help',
        links: [{ description: 'Learn more about Gemini API quotas', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }],
      },
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '2s' },
    ],
  );
}

/** Which API a path belongs to, and the model and method it names. */
export interface GooglePath {
  vertex: boolean;
  model: string;
  method: string;
}

const DEVELOPER_PATH = /^\/v1beta\/models\/([^/:]+):([A-Za-z]+)$/;
const VERTEX_PATH = /^\/v1\/projects\/[^/]+\/locations\/[^/]+\/publishers\/google\/models\/([^/:]+):([A-Za-z]+)$/;

export function parseGooglePath(path: string): GooglePath | undefined {
  const developer = DEVELOPER_PATH.exec(path);
  if (developer) return { vertex: false, model: decodeURIComponent(developer[1]!), method: developer[2]! };
  const vertex = VERTEX_PATH.exec(path);
  return vertex ? { vertex: true, model: decodeURIComponent(vertex[1]!), method: vertex[2]! } : undefined;
}

/**
 * Checks the credential the way each API does and answers the failure; `true` when the call may go
 * on. `forceBadKey` answers as if the key were wrong (the `unauthorized` scenario).
 */
export function checkGoogleAuth(
  call: RecordedCall,
  response: ServerResponse,
  vertex: boolean,
  apiKey: string,
  forceBadKey = false,
): boolean {
  if (vertex) {
    const authorization = call.headers['authorization'];
    if (!forceBadKey && authorization === `Bearer ${apiKey}`) return true;
    const reason = authorization === undefined ? 'CREDENTIALS_MISSING' : 'ACCESS_TOKEN_TYPE_UNSUPPORTED';
    sendGoogleError(
      response,
      401,
      'UNAUTHENTICATED',
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
      [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason,
          domain: 'googleapis.com',
          metadata: { service: 'aiplatform.googleapis.com' },
        },
      ],
    );
    return false;
  }
  const key = call.headers['x-goog-api-key'] ?? call.query.get('key') ?? undefined;
  if (!forceBadKey && key === apiKey) return true;
  if (key === undefined && !forceBadKey) {
    sendGoogleError(
      response,
      403,
      'PERMISSION_DENIED',
      "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    );
    return false;
  }
  sendGoogleError(response, 400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
    {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: 'API_KEY_INVALID',
      domain: 'googleapis.com',
      metadata: { service: 'generativelanguage.googleapis.com' },
    },
    {
      '@type': 'type.googleapis.com/google.rpc.LocalizedMessage',
      locale: 'en-US',
      message: 'API key not valid. Please pass a valid API key.',
    },
  ]);
  return false;
}

/** A body Google refuses: answered as a 400 `INVALID_ARGUMENT` with this message. */
export class GoogleBadRequest extends Error {}

export interface GoogleFake<Reply> extends FakeUpstream {
  /** Scripts API-specific answers for the next generation requests (they win over scenarios). */
  enqueueReply(...replies: Reply[]): void;
}

/** Handles one API request; `replies` is the queue `enqueueReply` fills. */
export type GoogleHandler<Reply> = (response: ServerResponse, call: RecordedCall, context: FakeContext, replies: Reply[]) => Promise<void>;

/** A Google fake at `/v1beta` with the scenarios a synchronous Google API can play. */
export async function startGoogleFake<Reply>(handle: GoogleHandler<Reply>): Promise<GoogleFake<Reply>> {
  const replies: Reply[] = [];
  const fake = await startFakeUpstream({
    basePath: '/v1beta',
    supports: [
      'success',
      'rate_limited',
      'bad_request',
      'content_policy',
      'server_error',
      'unauthorized',
      'slow',
      'malformed',
      'truncated',
    ],
    handler: (_request, response, call, context) => handle(response, call, context, replies),
  });
  return Object.assign(fake, { enqueueReply: (...more: Reply[]) => void replies.push(...more) });
}

/**
 * Takes the next scripted answer for a generation request: a reply from the queue (then the scenario
 * is `success`) or the next shared scenario. `undefined` when the credential check has answered.
 */
export function nextGoogleTurn<Reply>(
  call: RecordedCall,
  response: ServerResponse,
  context: FakeContext,
  replies: Reply[],
  vertex: boolean,
  apiKey: string,
): { reply: Reply | undefined; scenario: FakeScenario } | undefined {
  const reply = replies.shift();
  const scenario: FakeScenario = reply ? 'success' : context.nextScenario();
  if (!checkGoogleAuth(call, response, vertex, apiKey, scenario === 'unauthorized')) return undefined;
  return { reply, scenario };
}

/** The parsed body, or `undefined` once a `GoogleBadRequest` from `parse` is answered as Google's 400. */
export async function parsedOrRefused<T>(response: ServerResponse, parse: () => T | Promise<T>): Promise<T | undefined> {
  try {
    return await parse();
  } catch (error) {
    if (!(error instanceof GoogleBadRequest)) throw error;
    sendGoogleError(response, 400, 'INVALID_ARGUMENT', error.message);
    return undefined;
  }
}

/**
 * Plays the scenarios Gemini and Imagen answer alike (`rate_limited`, `bad_request`, `malformed`):
 * `true` when that sent the answer. `slow` waits, then the caller answers. Each API answers
 * `server_error` and `content_policy` its own way, before this.
 */
export async function playSharedGoogleScenario(response: ServerResponse, scenario: FakeScenario, context: FakeContext): Promise<boolean> {
  switch (scenario) {
    case 'rate_limited':
      sendGoogleRateLimit(response);
      return true;
    case 'bad_request':
      sendGoogleError(response, 400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.');
      return true;
    case 'malformed':
      sendMalformed(response);
      return true;
    case 'slow':
      await sleep(context.slowMs);
      return false;
    default:
      return false;
  }
}

/** The successful answer, cut in half for `truncated`. */
export function sendGoogleAnswer(response: ServerResponse, scenario: FakeScenario, body: unknown): void {
  if (scenario === 'truncated') sendTruncatedJson(response, body);
  else sendJson(response, 200, body);
}

/** One entry of the Developer API's `ListModels` (the fields `models check` and the probe read, plus a few real ones). */
export interface GoogleListedModel {
  id: string;
  methods: string[];
}

/** Text models the real list holds beside the image ones (`models check` must not call them added). */
export const GOOGLE_FAKE_TEXT_MODELS: GoogleListedModel[] = [
  { id: 'gemini-2.5-flash', methods: ['generateContent', 'countTokens', 'createCachedContent'] },
  { id: 'gemini-2.5-pro', methods: ['generateContent', 'countTokens', 'createCachedContent'] },
  { id: 'text-embedding-004', methods: ['embedContent'] },
];

/** Google's default page when `pageSize` is absent, and its ceiling. */
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

/**
 * `GET /v1beta/models` as Google answers it: `{models, nextPageToken}` pages of at most `pageSize`
 * (default 50, at most 1000, and at most `maxPageSize`: the server may return fewer than asked),
 * an opaque `pageToken` for the next page, and a 400 for a token it did not issue.
 */
export function sendGoogleModelList(
  call: RecordedCall,
  response: ServerResponse,
  models: GoogleListedModel[],
  maxPageSize = MAX_PAGE_SIZE,
): void {
  const asked = Number(call.query.get('pageSize') ?? DEFAULT_PAGE_SIZE);
  const size = Math.min(Number.isInteger(asked) && asked > 0 ? asked : DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, maxPageSize);
  const token = call.query.get('pageToken');
  const start =
    token === null || token === ''
      ? 0
      : Number(
          Buffer.from(token, 'base64url')
            .toString('utf8')
            .replace(/^offset:/, ''),
        );
  if (!Number.isInteger(start) || start < 0 || start > models.length)
    return sendGoogleError(response, 400, 'INVALID_ARGUMENT', 'Invalid page token.');
  const page = models.slice(start, start + size);
  const next = start + size < models.length ? Buffer.from(`offset:${start + size}`).toString('base64url') : undefined;
  sendJson(response, 200, {
    models: page.map((model) => ({
      name: `models/${model.id}`,
      version: '001',
      displayName: model.id,
      supportedGenerationMethods: model.methods,
    })),
    ...(next === undefined ? {} : { nextPageToken: next }),
  });
}
