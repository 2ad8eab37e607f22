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
