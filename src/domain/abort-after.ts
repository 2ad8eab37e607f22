/**
 * `parent`, or `ms` milliseconds, whichever aborts first, with `AbortSignal.timeout`'s
 * `TimeoutError` reason. Not `AbortSignal.any([parent, AbortSignal.timeout(ms)])`: on Node 20
 * the combined signal holds its sources weakly and the timeout signal's timer holds its signal
 * weakly, so a garbage collection in between (frequent on a loaded machine) can drop the timeout
 * and it never fires. Here the timer holds the controller. The timer is unref'd (it never keeps the
 * process alive) and cleared as soon as the parent aborts.
 */
export function abortAfter(parent: AbortSignal, ms: number): AbortSignal {
  const controller = new AbortController();
  if (parent.aborted) {
    controller.abort(parent.reason);
    return controller.signal;
  }
  const timer = setTimeout(
    () => {
      parent.removeEventListener('abort', onParentAbort);
      controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    },
    Math.max(0, ms),
  );
  timer.unref();
  function onParentAbort(): void {
    clearTimeout(timer);
    controller.abort(parent.reason);
  }
  parent.addEventListener('abort', onParentAbort, { once: true });
  return controller.signal;
}
