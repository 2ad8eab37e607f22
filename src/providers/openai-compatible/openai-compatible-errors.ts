import type { ErrorKind } from '../../errors/api-error.js';
import type { UpstreamError } from '../../errors/upstream-error.js';
import { contentPolicyError, upstreamErrorFromResponse } from '../common/upstream-error-from-response.js';
import { parseJsonBody, type UpstreamResponse } from '../common/upstream-fetch.js';
import { errorBodySchema, type ErrorBody } from './openai-compatible-wire-types.js';

/**
 * Structured codes (lower-cased) that mean a content-policy refusal: OpenAI/Azure
 * `content_policy_violation`, Azure `content_filter` / `contentFilter` (older API versions) and its
 * inner `ResponsibleAIPolicyViolation`, GPT-image `moderation_blocked`.
 */
const CONTENT_POLICY_CODES = new Set([
  'content_policy_violation',
  'content_filter',
  'contentfilter',
  'moderation_blocked',
  'responsibleaipolicyviolation',
]);
/** Out of money rather than out of breath: switch keys or providers, never retry (OpenAI's 429 is ambiguous). */
const QUOTA_CODES = new Set(['insufficient_quota', 'billing_hard_limit_reached']);
/** The model or deployment is not there (Together answers `model_not_available`): another route may have it. */
const NOT_FOUND_CODES = new Set(['model_not_found', 'model_not_available', 'deploymentnotfound']);

/**
 * An upstream HTTP error as an `UpstreamError`. The kind comes from structured fields (error codes,
 * types, Azure's inner error) when they say more than the status, never from message text; the
 * message is the upstream's own, with the key redacted. Every 404 is `not_found` here: we built the
 * URL and the model name, so a 404 means this instance lacks the model or deployment (another route
 * may have it), not that the client asked for something wrong.
 */
export function errorFromResponse(provider: string, response: UpstreamResponse, apiKey: string | undefined): UpstreamError {
  const parsed = errorBodySchema.safeParse(parseJsonBody(response.body));
  const body = parsed.success ? parsed.data : undefined;
  const message = body ? errorMessage(body) : undefined;
  const codes = body ? errorCodes(body) : [];
  if (codes.some((code) => CONTENT_POLICY_CODES.has(code))) return contentPolicyError(provider, message, [apiKey]);
  return upstreamErrorFromResponse(provider, response, {
    kind: kindFromCodes(codes, response.status),
    ...(message === undefined ? {} : { upstreamMessage: message }),
    secrets: [apiKey],
  });
}

function kindFromCodes(codes: string[], status: number): ErrorKind | undefined {
  if (codes.some((code) => QUOTA_CODES.has(code))) return 'quota_exceeded';
  if (status === 404 || codes.some((code) => NOT_FOUND_CODES.has(code))) return 'not_found';
  return undefined;
}

/** Every code-like field of every known error shape, lower-cased (`DeploymentNotFound` → `deploymentnotfound`). */
function errorCodes(body: ErrorBody): string[] {
  const values: Array<string | number | null | undefined> = [body.code];
  if (body.error && typeof body.error === 'object') {
    values.push(body.error.code, body.error.type, body.error.inner_error?.code, body.error.innererror?.code);
  }
  return values.filter((value) => value !== undefined && value !== null).map((value) => String(value).toLowerCase());
}

function errorMessage(body: ErrorBody): string | undefined {
  if (typeof body.error === 'string') return body.error;
  if (body.error?.message) return body.error.message;
  if (typeof body.detail === 'string') return body.detail;
  if (Array.isArray(body.detail)) {
    const problems = body.detail.map((item) => [item.loc?.join('.'), item.msg].filter(Boolean).join(': ')).filter(Boolean);
    return problems.length > 0 ? problems.join('; ') : undefined;
  }
  if (body.detail?.error) return body.detail.error;
  return body.message ?? undefined;
}
