import { UpstreamError } from '../../errors/upstream-error.js';
import { abortableSleep } from '../common/abortable-sleep.js';
import { malformedResponse } from '../common/upstream-error-from-response.js';
import { parseJsonBody, upstreamFetch } from '../common/upstream-fetch.js';
import { falErrorFromResponse } from './fal-errors.js';
import type { FalQueueUrls } from './fal-queue-urls.js';
import { readQueueStatus } from './fal-wire-types.js';

/** How long a best-effort cancel may take; it runs after the call has already failed. */
const CANCEL_TIMEOUT_MS = 5_000;
/** A bound besides the deadline, so a far-off deadline can't poll forever. */
export const MAX_STATUS_POLLS = 3_600;

export interface FalQueueContext {
  provider: string;
  urls: FalQueueUrls;
  /** `Authorization: Key ...`: the URLs were checked to be ours or fal's before this. */
  headers: Record<string, string>;
  signal: AbortSignal;
  deadline: number;
  pollIntervalMs: number;
  secrets: ReadonlyArray<string | undefined>;
}

/**
 * Polls `status_url` until `COMPLETED`, then reads `response_url`: the model output, or the job's
 * error (a failed job also ends `COMPLETED`; its result answers with an error status). On abort or
 * deadline the job is cancelled, best effort, so it stops costing money upstream.
 */
export async function waitForFalResult(context: FalQueueContext): Promise<unknown> {
  try {
    const completed = await pollUntilCompleted(context);
    if (!completed) {
      cancelFalRequest(context);
      throw new UpstreamError({
        provider: context.provider,
        kind: 'timeout',
        message: `The provider '${context.provider}' did not finish the request before the deadline.`,
      });
    }
    const response = await upstreamFetch({
      provider: context.provider,
      method: 'GET',
      url: context.urls.responseUrl,
      headers: context.headers,
      signal: context.signal,
    });
    if (response.status < 200 || response.status >= 300) throw falErrorFromResponse(context.provider, response, context.secrets);
    const body = parseJsonBody(response.body);
    if (body === undefined) throw malformedResponse(context.provider, 'the result is not JSON');
    return body;
  } catch (error) {
    if (context.signal.aborted) cancelFalRequest(context);
    throw error;
  }
}

/** `true` once the request is `COMPLETED`; `false` when the deadline or the poll bound came first. */
async function pollUntilCompleted(context: FalQueueContext): Promise<boolean> {
  for (let poll = 0; poll < MAX_STATUS_POLLS && Date.now() < context.deadline; poll += 1) {
    const response = await upstreamFetch({
      provider: context.provider,
      method: 'GET',
      url: context.urls.statusUrl,
      headers: context.headers,
      signal: context.signal,
    });
    // 202 while IN_QUEUE / IN_PROGRESS, 200 once COMPLETED: the body's `status` decides.
    if (response.status < 200 || response.status >= 300) throw falErrorFromResponse(context.provider, response, context.secrets);
    const status = readQueueStatus(parseJsonBody(response.body));
    if (!status) throw malformedResponse(context.provider, 'a status response is not a queue status');
    if (status.status === 'COMPLETED') return true;
    const remaining = context.deadline - Date.now();
    if (remaining <= 0) return false;
    await abortableSleep(Math.min(context.pollIntervalMs, remaining), context.signal);
  }
  return false;
}

/** `PUT cancel_url`, fire and forget: only requests not yet running are sure to stop. */
function cancelFalRequest(context: FalQueueContext): void {
  upstreamFetch({
    provider: context.provider,
    method: 'PUT',
    url: context.urls.cancelUrl,
    headers: context.headers,
    signal: AbortSignal.timeout(CANCEL_TIMEOUT_MS),
  }).catch(() => undefined);
}
