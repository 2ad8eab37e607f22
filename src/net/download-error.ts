import { ApiError } from '../errors/api-error.js';

/** Why a guarded download failed. Callers decide on this, never on the message. */
export type DownloadErrorReason =
  'invalid_url' | 'blocked_address' | 'too_large' | 'budget_exceeded' | 'timeout' | 'http_status' | 'network' | 'too_many_redirects';

export interface DownloadErrorOptions {
  reason: DownloadErrorReason;
  /**
   * Safe to show a client: a phrase that reads after the parameter name (`'image[0]' <message>`).
   * Never contains response bodies or headers; the URL host and a blocked address are fine.
   */
  message: string;
  /** The HTTP status, for `http_status`. */
  status?: number;
  /** The underlying error, for logs only. */
  cause?: unknown;
}

/** A download by `downloadImageUrl` failed; its message is safe to show a client. */
export class DownloadError extends Error {
  readonly reason: DownloadErrorReason;
  readonly status: number | undefined;

  constructor(options: DownloadErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DownloadError';
    this.reason = options.reason;
    this.status = options.status;
  }
}

/**
 * For a URL the client sent: a 400 naming the parameter, e.g.
 * `'image[0]' download failed with HTTP 404`. Every reason is the client's to fix (another URL, or
 * the operator's allowlist), so all map to invalid_request. Passing the request's shared budget is
 * a 413 like any other request over its byte cap, and names the setting that sets it.
 */
export function downloadErrorToApiError(error: DownloadError, param: string): ApiError {
  const overBudget = error.reason === 'budget_exceeded';
  return new ApiError({
    kind: 'invalid_request',
    message: `'${param}' ${error.message}${overBudget ? ' (IMAGEROUTER_MAX_INPUT_BYTES)' : ''}`,
    ...(overBudget ? { status: 413 } : {}),
    param,
    // A stable code per reason, e.g. `download_blocked_address`, for clients that branch on it.
    code: `download_${error.reason}`,
    // Kept for logs; the error handler shows only the message.
    cause: error,
  });
}
