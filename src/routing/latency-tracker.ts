/** Recent latency per route (exponentially weighted), for the `fastest` strategy. */
export interface LatencyTracker {
  record(routeKey: string, durationMs: number): void;
  /** `undefined` while a route has no successful call yet. */
  estimate(routeKey: string): number | undefined;
}

/** Weight of the newest sample: about the last ten calls matter. */
const SMOOTHING = 0.2;

export function createLatencyTracker(): LatencyTracker {
  const averages = new Map<string, number>();
  return {
    record(routeKey, durationMs) {
      const previous = averages.get(routeKey);
      averages.set(routeKey, previous === undefined ? durationMs : previous + SMOOTHING * (durationMs - previous));
    },
    estimate: (routeKey) => averages.get(routeKey),
  };
}
