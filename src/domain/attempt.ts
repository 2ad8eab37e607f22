import type { ErrorKind } from '../errors/api-error.js';

/** One call to one route, kept in the generation record and summarised in a response header. */
export interface Attempt {
  /** Provider instance id. */
  provider: string;
  /** The upstream model name. */
  model: string;
  /** Which of the instance's keys (never the key itself). */
  keyIndex: number;
  /** `skipped`: not called because its circuit breaker is open. */
  outcome: 'success' | 'error' | 'skipped';
  durationMs: number;
  errorKind?: ErrorKind;
  /** The upstream HTTP status, when there was one. */
  upstreamStatus?: number;
  /** GPU time the engine reported or was measured for a successful call (self-hosted engines). */
  gpuSeconds?: number;
  /** How long the router waited before the next try on this route. */
  retryAfterMs?: number;
  message?: string;
}
