import { ApiError, type ErrorKind } from './api-error.js';

export interface UpstreamErrorOptions {
  /** Provider id, e.g. `openai` or `test`. */
  provider: string;
  kind: ErrorKind;
  message: string;
  /** The upstream HTTP status, when there was one. */
  upstreamStatus?: number;
  retryAfterMs?: number;
  /** Overrides the HTTP status the client sees. */
  status?: number;
  code?: string;
  cause?: unknown;
}

/** An error raised while calling a provider; the router reads `kind` and `retryable`. */
export class UpstreamError extends ApiError {
  readonly provider: string;
  readonly upstreamStatus: number | undefined;

  constructor(options: UpstreamErrorOptions) {
    super({
      kind: options.kind,
      message: options.message,
      ...(options.status === undefined ? {} : { status: options.status }),
      ...(options.code === undefined ? {} : { code: options.code }),
      ...(options.retryAfterMs === undefined ? {} : { retryAfterMs: options.retryAfterMs }),
      cause: options.cause,
    });
    this.name = 'UpstreamError';
    this.provider = options.provider;
    this.upstreamStatus = options.upstreamStatus;
  }

  /** Worth another try on the same route. */
  get retryable(): boolean {
    return this.kind === 'rate_limited' || this.kind === 'unavailable' || this.kind === 'timeout' || this.kind === 'upstream_error';
  }
}

/** The error kind an upstream HTTP status stands for, when the body says nothing more precise. */
export function kindForUpstreamStatus(status: number): ErrorKind {
  if (status === 400 || status === 404 || status === 405 || status === 409 || status === 413 || status === 415 || status === 422)
    return 'invalid_request';
  if (status === 401) return 'authentication';
  if (status === 402) return 'quota_exceeded';
  if (status === 403) return 'permission';
  if (status === 408 || status === 504) return 'timeout';
  if (status === 429) return 'rate_limited';
  if (status === 503 || status === 529) return 'unavailable';
  if (status >= 500) return 'upstream_error';
  return 'upstream_error';
}
