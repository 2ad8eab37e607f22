/** A signal that aborts with its parent or after a time, and the means to stop listening. */
export interface TimedSignal {
  signal: AbortSignal;
  /** Clears the timer and the listener on the parent: call it once the work is done. */
  dispose(): void;
}

/**
 * `parent`, or `ms` milliseconds, whichever aborts first, with `AbortSignal.timeout`'s
 * `TimeoutError` reason. Not `AbortSignal.any([parent, AbortSignal.timeout(ms)])`: on Node 20
 * the combined signal holds its sources weakly and the timeout signal's timer holds its signal
 * weakly, so a garbage collection in between (frequent on a loaded machine) can drop the timeout
 * and it never fires. Here the timer holds the controller. `dispose` removes the listener on the
 * parent, so many calls under one request signal don't pile listeners up on it.
 */
export function abortAfter(parent: AbortSignal, ms: number): TimedSignal {
  const controller = new AbortController();
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { signal: controller.signal, dispose: () => undefined };
  }
  const onParentAbort = (): void => {
    clearTimeout(timer);
    controller.abort(parent.reason);
  };
  const timer = setTimeout(
    () => {
      parent.removeEventListener('abort', onParentAbort);
      controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    },
    Math.max(0, ms),
  );
  // Never keeps the process alive on its own.
  timer.unref();
  parent.addEventListener('abort', onParentAbort, { once: true });
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      parent.removeEventListener('abort', onParentAbort);
    },
  };
}
