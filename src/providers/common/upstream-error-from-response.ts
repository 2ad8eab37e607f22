import type { ErrorKind } from '../../errors/api-error.js';
import { kindForUpstreamStatus, UpstreamError } from '../../errors/upstream-error.js';
import { parseRetryAfter } from './retry-after.js';
import type { UpstreamResponse } from './upstream-fetch.js';

const MAX_MESSAGE_LENGTH = 400;
/** Key-like tokens that upstream messages sometimes echo back ("Incorrect API key provided: sk-ab***yz"). */
const KEY_LIKE = /\b(sk|rk|pk|key|r8|fal|xai|AIza)[-_A-Za-z0-9]{12,}|\bBearer\s+\S+/g;

/** Removes the credentials of the call and key-looking tokens from a text that will reach the client. */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let result = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 6) result = result.split(secret).join('[REDACTED]');
  }
  return result.replace(KEY_LIKE, '[REDACTED]');
}

/** A caught error as text for an operator-facing detail (`imagerouter doctor`), credentials removed. */
export function errorText(error: unknown, secrets: ReadonlyArray<string | undefined>): string {
  return redactSecrets(error instanceof Error ? error.message : String(error), secrets);
}

export interface UpstreamErrorDetails {
  /** A kind the adapter read from the body (content policy, quota, ...); else derived from the status. */
  kind?: ErrorKind;
  /** The upstream's own message, if it sent one. */
  upstreamMessage?: string;
  /** Secrets that must not appear in the message (the call's API key). */
  secrets?: ReadonlyArray<string | undefined>;
  code?: string;
}

/**
 * The one way adapters turn an upstream HTTP error into an `UpstreamError`: kind from the body when
 * the adapter knows better, else from the status; `Retry-After` honoured; message safe to show.
 */
export function upstreamErrorFromResponse(
  provider: string,
  response: Pick<UpstreamResponse, 'status' | 'headers'>,
  details: UpstreamErrorDetails = {},
): UpstreamError {
  const kind = details.kind ?? kindForUpstreamStatus(response.status);
  const upstream = details.upstreamMessage?.trim();
  const summary = upstream ? `: ${redactSecrets(upstream, details.secrets ?? []).slice(0, MAX_MESSAGE_LENGTH)}` : '';
  const retryAfterMs = parseRetryAfter(response.headers);
  return new UpstreamError({
    provider,
    kind,
    upstreamStatus: response.status,
    message: `The provider '${provider}' answered HTTP ${response.status}${summary}`,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(details.code ? { code: details.code } : {}),
  });
}

/** For a 200 whose body isn't what the provider documents (truncated, HTML, missing fields). */
export function malformedResponse(provider: string, what: string): UpstreamError {
  return new UpstreamError({ provider, kind: 'upstream_error', message: `The provider '${provider}' sent a malformed response: ${what}.` });
}

/** Content-policy refusals are the client's problem: our 400 `content_policy_violation`. */
export function contentPolicyError(
  provider: string,
  upstreamMessage: string | undefined,
  secrets: ReadonlyArray<string | undefined> = [],
): UpstreamError {
  const detail = upstreamMessage ? `: ${redactSecrets(upstreamMessage, secrets).slice(0, MAX_MESSAGE_LENGTH)}` : '.';
  return new UpstreamError({
    provider,
    kind: 'content_policy',
    code: 'content_policy_violation',
    message: `The provider '${provider}' refused the request under its content policy${detail}`,
  });
}
