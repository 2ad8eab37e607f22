/** The one deadline of a generation: every wait, download and provider call ends by it. */
export interface RequestDeadline {
  /** Aborts when the caller's signal does or when the deadline passes (reason: a `TimeoutError`). */
  signal: AbortSignal;
  /** Wall-clock epoch ms: adapters compare it with `Date.now()` while polling. */
  at: number;
  /** Stops the timer once the generation is over. */
  clear(): void;
}

/**
 * Starts the deadline. The caller's signal (a client that goes away) is optional: background work
 * (async mode, jobs) belongs to no connection, and only the deadline stops it.
 */
export function startRequestDeadline(timeoutMs: number, callerSignal?: AbortSignal): RequestDeadline {
  const at = Date.now() + timeoutMs;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('The request deadline passed.', 'TimeoutError')), timeoutMs);
  const signal = callerSignal ? AbortSignal.any([callerSignal, controller.signal]) : controller.signal;
  return { signal, at, clear: () => clearTimeout(timer) };
}
