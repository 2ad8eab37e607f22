/**
 * Where per-key request counts and running generations are kept. In-process today
 * (`in-memory-rate-limit-store.ts`: exact for one replica); a shared store (Redis) implements the
 * same interface so N replicas enforce one limit.
 */
export interface RateLimitStore {
  /**
   * Counts one request of `subject` if fewer than `limit` were counted in the last `windowMs`
   * (a sliding window: never more than `limit` in any `windowMs`). A refused request is not counted.
   */
  hit(subject: string, limit: number, windowMs: number, now: number): Promise<WindowDecision>;
  /** Takes one of `max` concurrent slots of `subject`; `undefined` when all are taken. */
  acquire(subject: string, max: number): Promise<ConcurrencySlot | undefined>;
  /**
   * `hit`, then, only if the request was counted, `acquire`: one round trip for a shared store.
   * `slot` is `undefined` when the window refused the request (nothing taken) or all slots are taken.
   */
  hitAndAcquire(
    window: { subject: string; limit: number; windowMs: number; now: number },
    slots: { subject: string; max: number },
  ): Promise<{ decision: WindowDecision; slot: ConcurrencySlot | undefined }>;
}

/** `hitAndAcquire` as two calls: for stores where a call costs no round trip. */
export async function hitThenAcquire(
  store: Pick<RateLimitStore, 'hit' | 'acquire'>,
  window: { subject: string; limit: number; windowMs: number; now: number },
  slots: { subject: string; max: number },
): Promise<{ decision: WindowDecision; slot: ConcurrencySlot | undefined }> {
  const decision = await store.hit(window.subject, window.limit, window.windowMs, window.now);
  return { decision, slot: decision.allowed ? await store.acquire(slots.subject, slots.max) : undefined };
}

export interface WindowDecision {
  allowed: boolean;
  limit: number;
  /** Requests left in the window after this one. */
  remaining: number;
  /** Ms until the oldest counted request leaves the window (when a refused request may retry). */
  resetMs: number;
}

export interface ConcurrencySlot {
  /** Gives the slot back; calling it twice gives back once. */
  release(): void;
}
