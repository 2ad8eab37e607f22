import { UpstreamError } from '../../errors/upstream-error.js';
import { abortableSleep } from '../common/abortable-sleep.js';
import { parseRetryAfter } from '../common/retry-after.js';
import { malformedResponse } from '../common/upstream-error-from-response.js';
import { parseJsonBody, upstreamFetch, type UpstreamResponse } from '../common/upstream-fetch.js';
import { bflHttpError, bflTaskError, taskNotFoundError } from './bfl-errors.js';
import type { BflRouteOptions, BflSettings } from './bfl-route-options.js';
import { BFL_STATUS, readResultResponse, type BflSubmitResponse } from './bfl-wire-types.js';

/** BFL's guidance: poll about every 500 ms. */
export const DEFAULT_POLL_INTERVAL_MS = 500;
/** A poll that hits a 429/5xx or a dropped connection is tried again; the task is already paid for. */
const MAX_CONSECUTIVE_POLL_FAILURES = 3;
const TRANSIENT_POLL_STATUSES = new Set([429, 500, 502, 503, 504]);
/** BFL's own hosts (api.us1.bfl.ai, api.eu.bfl.ai, …): the only foreign hosts trusted with the key. */
const BFL_DOMAIN = 'bfl.ai';

/**
 * The poll interval: the route option `poll_interval_ms`, else the instance setting of that name,
 * else BFL's recommended 500 ms.
 */
export function pollIntervalMs(options: BflRouteOptions, settings: BflSettings): number {
  return options.pollIntervalMs ?? settings.poll_interval_ms ?? DEFAULT_POLL_INTERVAL_MS;
}

/**
 * Where to poll: the `polling_url` BFL returned (the global endpoint hands out a cluster host such
 * as `api.us1.bfl.ai`, which is authoritative), else `{base}/get_result`; always with `?id=`.
 */
export function resolvePollingUrl(provider: string, submit: BflSubmitResponse, baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(submit.pollingUrl ?? `${baseUrl}/get_result`);
  } catch {
    throw malformedResponse(provider, 'the polling_url is not a URL');
  }
  if (!url.searchParams.has('id')) url.searchParams.set('id', submit.id);
  return url;
}

/**
 * Whether the `x-key` may go to a polling URL: https on a `*.bfl.ai` host, or the origin of the
 * configured base URL (a proxy, a regional endpoint, a local fake). Anything else could be a
 * redirection of our key to a stranger.
 */
export function mayReceiveKey(url: URL, baseUrl: string): boolean {
  const hostname = url.hostname.toLowerCase();
  if (url.protocol === 'https:' && (hostname === BFL_DOMAIN || hostname.endsWith(`.${BFL_DOMAIN}`))) return true;
  try {
    return url.origin === new URL(baseUrl).origin;
  } catch {
    return false;
  }
}

export interface PollInput {
  /** The instance polled (`bfl`, `bfl-eu`): named in errors. */
  provider: string;
  url: URL;
  apiKey: string | undefined;
  intervalMs: number;
  signal: AbortSignal;
  /** Epoch ms: no poll starts after it. */
  deadline: number;
}

/**
 * Polls until the task is `Ready` and returns `result.sample`; throws on terminal failures, on the
 * deadline, or when the signal aborts. Unknown statuses (`Pending`, `Reasoning`, `Generating`, …)
 * count as running.
 */
export async function pollBflTask(input: PollInput): Promise<string> {
  let failures = 0;
  let waitMs = input.intervalMs;
  let lastStatus = 'none yet';
  for (;;) {
    const remaining = input.deadline - Date.now();
    if (remaining <= 0) {
      throw new UpstreamError({
        provider: input.provider,
        kind: 'timeout',
        message: `The provider '${input.provider}' did not finish the task before the deadline (last status: ${lastStatus}).`,
      });
    }
    await abortableSleep(Math.min(waitMs, remaining), input.signal);
    waitMs = input.intervalMs;

    let response: UpstreamResponse;
    try {
      response = await upstreamFetch({
        provider: input.provider,
        method: 'GET',
        url: input.url.href,
        headers: input.apiKey ? { 'x-key': input.apiKey } : {},
        signal: input.signal,
      });
    } catch (error) {
      failures += 1;
      if (!(error instanceof UpstreamError) || failures > MAX_CONSECUTIVE_POLL_FAILURES) throw error;
      continue;
    }
    if (TRANSIENT_POLL_STATUSES.has(response.status)) {
      failures += 1;
      if (failures > MAX_CONSECUTIVE_POLL_FAILURES) throw bflHttpError(input.provider, response, input.apiKey);
      waitMs = Math.max(input.intervalMs, parseRetryAfter(response.headers) ?? 0);
      continue;
    }
    failures = 0;
    if (response.status === 404) throw taskNotFoundError(input.provider);
    if (response.status < 200 || response.status >= 300) throw bflHttpError(input.provider, response, input.apiKey);
    const result = readResultResponse(parseJsonBody(response.body));
    if (!result) throw malformedResponse(input.provider, 'the task status is not a JSON object');
    if (result.status === BFL_STATUS.ready) {
      if (!result.sample) throw malformedResponse(input.provider, "a 'Ready' task has no result.sample URL");
      return result.sample;
    }
    const failure = bflTaskError(input.provider, result.status, result.details, input.apiKey);
    if (failure) throw failure;
    lastStatus = result.status ?? 'no status';
  }
}
