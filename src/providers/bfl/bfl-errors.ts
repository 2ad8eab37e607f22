import { UpstreamError } from '../../errors/upstream-error.js';
import { contentPolicyError, upstreamErrorFromResponse } from '../common/upstream-error-from-response.js';
import { parseJsonBody, type UpstreamResponse } from '../common/upstream-fetch.js';
import { BFL_STATUS, readErrorMessage, readModerationReasons } from './bfl-wire-types.js';

/**
 * An HTTP error from BFL (submit, poll or credits). Kinds follow the status, except 403: BFL's
 * FastAPI key check answers a missing or wrong `x-key` with 403 "Not authenticated", so on this
 * API a 403 is a bad key. 402 (credits used up) is `quota_exceeded`, 422 a rejected field.
 */
export function bflHttpError(provider: string, response: UpstreamResponse, apiKey: string | undefined): UpstreamError {
  const upstreamMessage = readErrorMessage(parseJsonBody(response.body));
  return upstreamErrorFromResponse(provider, response, {
    ...(response.status === 403 ? { kind: 'authentication' as const } : {}),
    ...(upstreamMessage === undefined ? {} : { upstreamMessage }),
    secrets: [apiKey],
  });
}

/**
 * The error a terminal task status stands for, or `undefined` while the task still runs.
 * Moderation (of the prompt and input images before, or of the output after generation) is the
 * client's problem and is not retried elsewhere; `Error`/`Failed` may succeed on a new attempt.
 */
export function bflTaskError(
  provider: string,
  status: string | undefined,
  details: unknown,
  apiKey: string | undefined,
): UpstreamError | undefined {
  switch (status) {
    case BFL_STATUS.requestModerated:
    case BFL_STATUS.contentModerated: {
      const reasons = readModerationReasons(details);
      return contentPolicyError(provider, `${status}${reasons ? ` (${reasons})` : ''}`, [apiKey]);
    }
    case BFL_STATUS.error:
    case BFL_STATUS.failed:
      return new UpstreamError({
        provider,
        kind: 'upstream_error',
        code: 'job_failed',
        message: `The provider '${provider}' reported that the task failed (status '${status}').`,
      });
    case BFL_STATUS.taskNotFound:
      return taskNotFoundError(provider);
    default:
      return undefined;
  }
}

/** The task expired or never existed: polling further is pointless, a new attempt may work. */
export function taskNotFoundError(provider: string): UpstreamError {
  return new UpstreamError({
    provider,
    kind: 'upstream_error',
    code: 'task_not_found',
    message: `The provider '${provider}' no longer knows the task (status 'Task not found').`,
  });
}
