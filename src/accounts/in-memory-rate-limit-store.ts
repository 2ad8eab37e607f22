import { hitThenAcquire, type ConcurrencySlot, type RateLimitStore, type WindowDecision } from './rate-limit-store.js';

/** Pruning every subject's log costs a pass over the map: done once per this many hits. */
const SWEEP_EVERY_HITS = 1000;

/**
 * The rate-limit store of one process. A sliding log per subject (the times of its counted requests
 * in the window, oldest first): exact, and at most `limit` numbers per active subject.
 */
export function createInMemoryRateLimitStore(): RateLimitStore {
  const logs = new Map<string, { windowMs: number; times: number[] }>();
  const running = new Map<string, number>();
  let hits = 0;

  function sweep(now: number): void {
    for (const [subject, log] of logs) {
      prune(log.times, now - log.windowMs);
      if (log.times.length === 0) logs.delete(subject);
    }
  }

  const store: RateLimitStore = {
    hitAndAcquire: (window, slots) => hitThenAcquire(store, window, slots),
    async hit(subject, limit, windowMs, now): Promise<WindowDecision> {
      hits += 1;
      if (hits % SWEEP_EVERY_HITS === 0) sweep(now);
      let log = logs.get(subject);
      if (log === undefined) {
        log = { windowMs, times: [] };
        logs.set(subject, log);
      }
      log.windowMs = windowMs;
      prune(log.times, now - windowMs);
      const allowed = log.times.length < limit;
      if (allowed) log.times.push(now);
      const oldest = log.times[0] ?? now;
      return { allowed, limit, remaining: Math.max(0, limit - log.times.length), resetMs: Math.max(0, oldest + windowMs - now) };
    },
    async acquire(subject, max): Promise<ConcurrencySlot | undefined> {
      const count = running.get(subject) ?? 0;
      if (count >= max) return undefined;
      running.set(subject, count + 1);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          const left = (running.get(subject) ?? 1) - 1;
          if (left <= 0) running.delete(subject);
          else running.set(subject, left);
        },
      };
    },
  };
  return store;
}

/** Drops the times at or before `cutoff` from the front of an ascending log. */
function prune(times: number[], cutoff: number): void {
  let drop = 0;
  while (drop < times.length && times[drop]! <= cutoff) drop += 1;
  if (drop > 0) times.splice(0, drop);
}
