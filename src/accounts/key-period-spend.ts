import type { ApiKeyRecord } from './account-records.js';
import { periodEndOf, periodStartOf, type SpendLimit } from './api-key-limits.js';

/** A key's spend limit as it stands now: the current period, its spend so far, when it resets. */
export interface KeyPeriodSpend {
  limit: SpendLimit;
  periodStart: number;
  /** Charged plus still held in the current period. */
  spentMicros: number;
  resetsAt: number;
}

/** `null` for a key without a spend limit. A counter left from a past period counts as 0. */
export function keyPeriodSpend(apiKey: ApiKeyRecord, now: number): KeyPeriodSpend | null {
  const limit = apiKey.limits.spendLimit;
  if (limit === null) return null;
  const periodStart = periodStartOf(limit.period, now);
  return {
    limit,
    periodStart,
    spentMicros: apiKey.periodStart === periodStart ? apiKey.periodSpentMicros : 0,
    resetsAt: periodEndOf(limit.period, periodStart),
  };
}
