/** When a failed webhook delivery is tried again, and when it is given up. */
export interface WebhookRetrySchedule {
  /** Waits after the 1st, 2nd, ... failed attempt. */
  delaysMs: readonly number[];
  /** The wait after every failed attempt past the list. */
  thenEveryMs: number;
  /** No attempt starts later than this after the first one; the delivery is then `failed`. */
  giveUpAfterMs: number;
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** 10 s, 30 s, 2 min, 10 min, 30 min, 1 h, then hourly, for 24 h: a receiver down for a day still gets it. */
export const DEFAULT_WEBHOOK_RETRY_SCHEDULE: WebhookRetrySchedule = {
  delaysMs: [10 * SECOND, 30 * SECOND, 2 * MINUTE, 10 * MINUTE, 30 * MINUTE, HOUR],
  thenEveryMs: HOUR,
  giveUpAfterMs: 24 * HOUR,
};

/**
 * When to try again after `failedAttempts` failures, the last one ending at `now`; undefined when
 * that would be past the give-up point, measured from the first attempt.
 */
export function nextWebhookAttemptAt(
  schedule: WebhookRetrySchedule,
  { failedAttempts, firstAttemptAt, now }: { failedAttempts: number; firstAttemptAt: number; now: number },
): number | undefined {
  const delay = schedule.delaysMs[failedAttempts - 1] ?? schedule.thenEveryMs;
  const next = now + delay;
  return next > firstAttemptAt + schedule.giveUpAfterMs ? undefined : next;
}
