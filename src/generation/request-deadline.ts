/** The one deadline of a generation: every wait, download and provider call ends by it. */
export interface RequestDeadline {
  /** Aborts when the caller's signal does or when the deadline passes (reason: a `TimeoutError`). */
  signal: AbortSignal;
  /** Wall-clock epoch ms: adapters compare it with `Date.now()` while polling. */
  at: number;
  /** Stops the timer and stops following the caller's signal once the generation is over. */
  clear(): void;
}

/**
 * Starts the deadline. The caller's signal (a client that goes away) is optional: background work
 * (async mode, jobs) belongs to no connection, and only the deadline stops it. The caller's signal
 * is followed with a listener rather than `AbortSignal.any`, which on Node 20 registers its sources
 * for garbage collection tracking on every request (it showed in the hot path's CPU profile).
 */
export function startRequestDeadline(timeoutMs: number, callerSignal?: AbortSignal): RequestDeadline {
  const at = Date.now() + timeoutMs;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('The request deadline passed.', 'TimeoutError')), timeoutMs);
  const onCallerAbort = (): void => {
    clearTimeout(timer);
    controller.abort(callerSignal?.reason);
  };
  if (callerSignal?.aborted) onCallerAbort();
  else callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  return {
    signal: controller.signal,
    at,
    clear: () => {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    },
  };
}
