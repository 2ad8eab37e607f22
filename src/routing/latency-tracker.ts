/**
 * Recent latency per route (exponentially weighted), for the `fastest` strategy. Asynchronous
 * because replicas may share it (`redis/redis-latency-tracker.ts`).
 */
export interface LatencyTracker {
  record(routeKey: string, durationMs: number): Promise<void>;
  /** The estimates of these routes; a route without a successful call yet is missing. */
  estimates(routeKeys: readonly string[]): Promise<Map<string, number>>;
}

/** Weight of the newest sample: about the last ten calls matter. */
export const LATENCY_SMOOTHING = 0.2;

/** The latencies of one process. */
export function createLatencyTracker(): LatencyTracker {
  const averages = new Map<string, number>();
  return {
    async record(routeKey, durationMs) {
      const previous = averages.get(routeKey);
      averages.set(routeKey, previous === undefined ? durationMs : previous + LATENCY_SMOOTHING * (durationMs - previous));
    },
    async estimates(routeKeys) {
      const found = new Map<string, number>();
      for (const key of routeKeys) {
        const average = averages.get(key);
        if (average !== undefined) found.set(key, average);
      }
      return found;
    },
  };
}
