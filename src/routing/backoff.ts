export interface BackoffPolicy {
  /** Retries on the same route after the first attempt, for retryable errors. */
  maxRetries: number;
  baseMs: number;
  maxMs: number;
  /** The longest `Retry-After` honoured; a longer one moves on to the next route instead. */
  maxRetryAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { maxRetries: 2, baseMs: 250, maxMs: 4_000, maxRetryAfterMs: 10_000 };

/**
 * How long to wait before retry number `retry` (1-based): the upstream's `Retry-After` when it gave
 * one (up to the cap), else exponential backoff with full jitter. `undefined` means "don't wait
 * here: Retry-After is beyond the cap".
 */
export function retryDelayMs(
  policy: BackoffPolicy,
  retry: number,
  retryAfterMs: number | undefined,
  random: () => number,
): number | undefined {
  if (retryAfterMs !== undefined) return retryAfterMs <= policy.maxRetryAfterMs ? retryAfterMs : undefined;
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** (retry - 1));
  // Full jitter, with a floor so a retry never hammers the upstream at once.
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
