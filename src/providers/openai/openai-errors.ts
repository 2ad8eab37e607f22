import type { ErrorKind } from '../../errors/api-error.js';
import type { UpstreamError } from '../../errors/upstream-error.js';
import { parseJsonBody, type UpstreamResponse } from '../common/upstream-fetch.js';
import { contentPolicyError, upstreamErrorFromResponse } from '../common/upstream-error-from-response.js';
import { isRecord, text, type OpenAIErrorBody } from './openai-wire-types.js';

/** Refusals by the safety system: `moderation_blocked` (GPT image), `content_policy_violation` (DALL·E). */
const CONTENT_POLICY_CODES = new Set(['moderation_blocked', 'content_policy_violation']);
/** Money, not speed: the same key fails until someone pays (429 `insufficient_quota`, 400 `billing_hard_limit_reached`). */
const QUOTA_CODES = new Set(['insufficient_quota', 'billing_hard_limit_reached']);
/**
 * A retired or unknown model (DALL·E after 2026-05-12 answers 404 `model_not_found`): `not_found`,
 * on which the router falls back to another route, rather than the client's bad request.
 */
const MODEL_GONE_CODES = new Set(['model_not_found']);

/** The `error` object of an OpenAI error body, read leniently. */
export interface OpenAIErrorFields {
  message: string | undefined;
  type: string | undefined;
  code: string | undefined;
}

/**
 * A 401 echoes the key masked, first and last characters kept (`sk-abc***wxyz`): even that much
 * of the operator's key must not reach clients.
 */
const MASKED_KEY = /[\w-]*\*{3,}[\w-]*/g;

/** The `error` fields of an OpenAI error body; the message with masked keys removed. */
export function readOpenAIError(body: Buffer): OpenAIErrorFields {
  const parsed = parseJsonBody(body);
  const error = isRecord(parsed) ? (parsed as OpenAIErrorBody).error : undefined;
  if (!isRecord(error)) return { message: undefined, type: undefined, code: undefined };
  return { message: text(error.message)?.replace(MASKED_KEY, '[REDACTED]'), type: text(error.type), code: text(error.code) };
}

/**
 * Maps an OpenAI error response to an `UpstreamError` naming `provider` (the instance called), by status and the structured `code`/`type`
 * (never by message text). 429 is two different things: `rate_limit_exceeded` (wait and retry)
 * and `insufficient_quota` (switch, never retry the same key).
 */
export function openAIErrorFromResponse(
  provider: string,
  response: UpstreamResponse,
  secrets: ReadonlyArray<string | undefined>,
): UpstreamError {
  const { message, type, code } = readOpenAIError(response.body);
  const matches = (codes: ReadonlySet<string>) => (code !== undefined && codes.has(code)) || (type !== undefined && codes.has(type));
  if (matches(CONTENT_POLICY_CODES)) return contentPolicyError(provider, message, secrets);
  let kind: ErrorKind | undefined;
  if (matches(QUOTA_CODES)) kind = 'quota_exceeded';
  else if (matches(MODEL_GONE_CODES)) kind = 'not_found';
  return upstreamErrorFromResponse(provider, response, {
    ...(kind ? { kind } : {}),
    ...(message ? { upstreamMessage: message } : {}),
    ...(code ? { code } : {}),
    secrets,
  });
}
