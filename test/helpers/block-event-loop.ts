/** Keeps this thread busy (no timers, no I/O) for `ms`, as a replica's burst of requests can on a loaded machine. */
export function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/**
 * Runs `start` in the check phase and blocks right after it: the next phase that runs is the
 * timers', before any answer that arrived meanwhile is read (the case a deadline must not take
 * for a timeout). Settles as `start`'s promise.
 */
export function sendThenBlock<T>(start: () => Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) =>
    setImmediate(() => {
      start().then(resolve, reject);
      blockEventLoop(ms);
    }),
  );
}
