/**
 * The one error hierarchy of the gateway. Every layer throws these; only
 * `http/plugins/error-handler.ts` turns them into HTTP responses.
 */

/** What went wrong, independent of who said it. Routing decides on kinds, never on messages. */
export type ErrorKind =
  | 'invalid_request'
  | 'authentication'
  | 'permission'
  | 'not_found'
  | 'insufficient_credits'
  | 'rate_limited'
  | 'quota_exceeded'
  | 'content_policy'
  | 'unavailable'
  | 'timeout'
  | 'upstream_error'
  | 'internal';

/** HTTP status and OpenAI-style `type` for each kind. */
export const ERROR_KIND_HTTP: Record<ErrorKind, { status: number; type: string }> = {
  invalid_request: { status: 400, type: 'invalid_request_error' },
  authentication: { status: 401, type: 'unauthorized' },
  permission: { status: 403, type: 'permission_error' },
  not_found: { status: 404, type: 'invalid_request_error' },
  insufficient_credits: { status: 402, type: 'insufficient_credits' },
  rate_limited: { status: 429, type: 'rate_limit_error' },
  quota_exceeded: { status: 429, type: 'insufficient_quota' },
  content_policy: { status: 400, type: 'content_policy_violation' },
  unavailable: { status: 503, type: 'service_unavailable' },
  timeout: { status: 504, type: 'timeout_error' },
  upstream_error: { status: 502, type: 'upstream_error' },
  internal: { status: 500, type: 'internal_error' },
};

export interface ApiErrorOptions {
  kind: ErrorKind;
  message: string;
  /** The request parameter at fault, e.g. `size` or `image[]`. */
  param?: string;
  /** A stable machine-readable code, e.g. `model_not_found`. */
  code?: string;
  /** Overrides the kind's default HTTP status (e.g. 413 for a body too large). */
  status?: number;
  /** For rate limits: how long the client should wait. */
  retryAfterMs?: number;
  /** Extra response headers that explain the error, e.g. `RateLimit-*` on a 429. */
  headers?: Readonly<Record<string, string>>;
  cause?: unknown;
}

export class ApiError extends Error {
  readonly kind: ErrorKind;
  readonly status: number;
  readonly type: string;
  readonly param: string | undefined;
  readonly code: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;

  constructor(options: ApiErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiError';
    this.kind = options.kind;
    this.status = options.status ?? ERROR_KIND_HTTP[options.kind].status;
    this.type = ERROR_KIND_HTTP[options.kind].type;
    this.param = options.param;
    this.code = options.code;
    this.retryAfterMs = options.retryAfterMs;
    this.headers = options.headers;
  }
}

/** A 400 that names the parameter at fault: the most common error of all. */
export function invalidParam(param: string, message: string, code?: string): ApiError {
  return new ApiError({ kind: 'invalid_request', param, message, ...(code ? { code } : {}) });
}
