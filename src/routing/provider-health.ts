/**
 * Recent calls per provider instance, for the operator's health view (`GET /v1/admin/providers`).
 * Per process and in memory, like the breakers: each replica reports what it saw itself.
 */

/** How many of an instance's latest calls the rates and percentiles cover. */
export const HEALTH_WINDOW_CALLS = 100;

interface CallSample {
  at: number;
  ok: boolean;
  durationMs: number;
}

export interface InstanceHealth {
  /** Calls in the window (at most `HEALTH_WINDOW_CALLS`). */
  calls: number;
  errors: number;
  /** errors / calls; `null` before the first call. */
  errorRate: number | null;
  /** Of successful calls in the window; `null` without one. */
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
  lastError: { message: string; kind: string; at: number } | null;
  lastCallAt: number | null;
}

export interface ProviderHealth {
  /** A finished call to an instance (client aborts are not recorded: they say nothing about the upstream). */
  record(instanceId: string, sample: { at: number; durationMs: number; error?: { kind: string; message: string } }): void;
  /** Read-only: what the window holds now. */
  of(instanceId: string): InstanceHealth;
}

export function createProviderHealth(windowCalls = HEALTH_WINDOW_CALLS): ProviderHealth {
  const samples = new Map<string, CallSample[]>();
  const lastErrors = new Map<string, { message: string; kind: string; at: number }>();
  return {
    record(instanceId, sample) {
      const list = samples.get(instanceId) ?? [];
      list.push({ at: sample.at, ok: sample.error === undefined, durationMs: sample.durationMs });
      if (list.length > windowCalls) list.splice(0, list.length - windowCalls);
      samples.set(instanceId, list);
      if (sample.error !== undefined) lastErrors.set(instanceId, { ...sample.error, at: sample.at });
    },
    of(instanceId) {
      const list = samples.get(instanceId) ?? [];
      const errors = list.filter((sample) => !sample.ok).length;
      const latencies = list
        .filter((sample) => sample.ok)
        .map((sample) => sample.durationMs)
        .sort((a, b) => a - b);
      return {
        calls: list.length,
        errors,
        errorRate: list.length === 0 ? null : errors / list.length,
        p50LatencyMs: percentile(latencies, 0.5),
        p95LatencyMs: percentile(latencies, 0.95),
        lastError: lastErrors.get(instanceId) ?? null,
        lastCallAt: list.at(-1)?.at ?? null,
      };
    },
  };
}

/** Nearest-rank percentile of sorted values: always one of the observed latencies. */
function percentile(sorted: number[], fraction: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)]!;
}
