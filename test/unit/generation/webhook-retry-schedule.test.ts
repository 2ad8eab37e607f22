import { describe, expect, it } from 'vitest';
import { DEFAULT_WEBHOOK_RETRY_SCHEDULE, nextWebhookAttemptAt } from '../../../src/generation/webhook-retry-schedule.js';

const SECOND = 1_000;
const HOUR = 3_600 * SECOND;

describe('webhook retry schedule', () => {
  it('backs off 10 s, 30 s, 2 min, 10 min, 30 min, 1 h, then hourly', () => {
    const first = 0;
    const waits = [1, 2, 3, 4, 5, 6, 7, 8].map((failedAttempts) => {
      const now = first + failedAttempts * SECOND;
      return nextWebhookAttemptAt(DEFAULT_WEBHOOK_RETRY_SCHEDULE, { failedAttempts, firstAttemptAt: first, now })! - now;
    });
    expect(waits).toEqual([10 * SECOND, 30 * SECOND, 120 * SECOND, 600 * SECOND, 1_800 * SECOND, HOUR, HOUR, HOUR]);
  });

  it('gives up once the next attempt would start more than 24 h after the first', () => {
    const schedule = DEFAULT_WEBHOOK_RETRY_SCHEDULE;
    expect(nextWebhookAttemptAt(schedule, { failedAttempts: 20, firstAttemptAt: 0, now: 23 * HOUR })).toBe(24 * HOUR);
    expect(nextWebhookAttemptAt(schedule, { failedAttempts: 21, firstAttemptAt: 0, now: 23 * HOUR + 1 })).toBeUndefined();
  });
});
