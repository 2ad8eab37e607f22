import type { UpstreamError } from '../../errors/upstream-error.js';
import { upstreamErrorFromResponse } from '../common/upstream-error-from-response.js';
import { parseJsonBody, type UpstreamResponse } from '../common/upstream-fetch.js';
import { readFirstError } from './runware-wire-types.js';

/**
 * An HTTP error from Runware (`{errors: [{code, message, parameter, taskUUID, ...}]}`). Kinds follow
 * the status, which Runware documents: 400 a missing or invalid parameter, 401 no valid key, 402 an
 * empty balance, 403 a key without the permission, 404 an unknown model; 429 and 5xx (queues that
 * time out, `timeoutProvider`) are retryable and keep their `Retry-After`. The message names the
 * parameter Runware named, and for `providerError` carries the upstream model's own words.
 */
export function runwareHttpError(provider: string, response: UpstreamResponse, apiKey: string | undefined): UpstreamError {
  const entry = readFirstError(parseJsonBody(response.body));
  const parts = [
    entry?.code,
    entry?.parameter ? `parameter '${entry.parameter}'` : undefined,
    entry?.message,
    entry?.code === 'providerError' ? entry.responseContent : undefined,
  ];
  const upstreamMessage = parts.filter((part) => part !== undefined).join(': ');
  return upstreamErrorFromResponse(provider, response, {
    ...(upstreamMessage ? { upstreamMessage } : {}),
    ...(kindOf(response.status, entry?.code) ?? {}),
    secrets: [apiKey],
  });
}

/**
 * Kinds the code tells better than the status: `providerError` is the model behind Runware refusing
 * the request (failing over would only be refused again), `timeoutProvider` a queue that gave up.
 */
function kindOf(status: number, code: string | undefined): { kind: 'invalid_request' | 'timeout' } | undefined {
  if (code === 'providerError') return { kind: 'invalid_request' };
  if (code === 'timeoutProvider' || status === 504) return { kind: 'timeout' };
  return undefined;
}
