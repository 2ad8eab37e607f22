import type { ErrorKind } from '../../errors/api-error.js';
import type { UpstreamError } from '../../errors/upstream-error.js';
import { upstreamErrorFromResponse } from '../common/upstream-error-from-response.js';
import { parseJsonBody, type UpstreamResponse } from '../common/upstream-fetch.js';

/**
 * Google's error envelope (`google.rpc.Status`), the same on the Developer API and Vertex, for
 * `generateContent` and `predict`:
 * `{"error": {"code": 429, "message": "...", "status": "RESOURCE_EXHAUSTED", "details": [...]}}`.
 */
export interface GoogleStatus {
  /** `INVALID_ARGUMENT`, `RESOURCE_EXHAUSTED`, ... */
  status: string | undefined;
  message: string | undefined;
  /** `ErrorInfo.reason` values, e.g. `API_KEY_INVALID`. */
  reasons: string[];
  /** `RetryInfo.retryDelay` in milliseconds. */
  retryDelayMs: number | undefined;
}

const ERROR_INFO_TYPE = 'type.googleapis.com/google.rpc.ErrorInfo';
const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

/** Reasons of an `INVALID_ARGUMENT` that mean "your key is bad", not "your request is bad". */
const KEY_REASONS = new Set(['API_KEY_INVALID']);

/** `error.status` → what it means for routing. Anything else falls back to the HTTP status. */
const KIND_BY_STATUS: Record<string, ErrorKind> = {
  INVALID_ARGUMENT: 'invalid_request',
  OUT_OF_RANGE: 'invalid_request',
  // "User location is not supported", billing not enabled: this account can't serve, another might.
  FAILED_PRECONDITION: 'permission',
  UNAUTHENTICATED: 'authentication',
  PERMISSION_DENIED: 'permission',
  // Retired or renamed model ids: another route may still serve the model.
  NOT_FOUND: 'not_found',
  RESOURCE_EXHAUSTED: 'rate_limited',
  UNAVAILABLE: 'unavailable',
  DEADLINE_EXCEEDED: 'timeout',
  INTERNAL: 'upstream_error',
};

/** Reads the envelope leniently: any missing or mistyped field is `undefined`. */
export function readGoogleStatus(body: unknown): GoogleStatus {
  // Some Google front ends wrap the envelope in a one-element array.
  const root = Array.isArray(body) ? (body[0] as unknown) : body;
  const error = isObject(root) && isObject(root['error']) ? root['error'] : {};
  const details = Array.isArray(error['details']) ? error['details'].filter(isObject) : [];
  const reasons = details
    .filter((detail) => detail['@type'] === ERROR_INFO_TYPE)
    .map((detail) => detail['reason'])
    .filter((reason): reason is string => typeof reason === 'string');
  const retryDelay = details.find((detail) => detail['@type'] === RETRY_INFO_TYPE)?.['retryDelay'];
  return {
    status: typeof error['status'] === 'string' ? error['status'] : undefined,
    message: typeof error['message'] === 'string' ? error['message'] : undefined,
    reasons,
    retryDelayMs: parseDuration(retryDelay),
  };
}

/** What an error status (and its `ErrorInfo` reasons) means, by structured fields only. */
export function googleErrorKind(httpStatus: number, status: GoogleStatus): ErrorKind | undefined {
  if (status.reasons.some((reason) => KEY_REASONS.has(reason))) return 'authentication';
  if (status.status !== undefined && status.status in KIND_BY_STATUS) return KIND_BY_STATUS[status.status];
  // An HTML page from a proxy or load balancer: the HTTP status is all there is.
  return httpStatus === 404 ? 'not_found' : undefined;
}

/**
 * The `UpstreamError` for a non-2xx Google answer. `RetryInfo.retryDelay` stands in for the
 * `Retry-After` header Google does not send; a real header still wins.
 */
export function googleUpstreamError(
  provider: string,
  response: UpstreamResponse,
  secrets: ReadonlyArray<string | undefined>,
): UpstreamError {
  const status = readGoogleStatus(parseJsonBody(response.body));
  const hasHeader = response.headers['retry-after'] !== undefined || response.headers['retry-after-ms'] !== undefined;
  const headers =
    !hasHeader && status.retryDelayMs !== undefined
      ? { ...response.headers, 'retry-after-ms': String(status.retryDelayMs) }
      : response.headers;
  const kind = googleErrorKind(response.status, status);
  return upstreamErrorFromResponse(
    provider,
    { status: response.status, headers },
    {
      ...(kind === undefined ? {} : { kind }),
      ...(status.message === undefined ? {} : { upstreamMessage: status.status ? `${status.status}: ${status.message}` : status.message }),
      secrets,
    },
  );
}

/** A protobuf `Duration` in JSON: `"34.4s"`, `"2s"`, `"0.5s"` → whole milliseconds. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?)s$/.exec(value.trim());
  return match ? Math.round(Number(match[1]) * 1000) : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
