/** What a Redis command that missed its deadline rejects with (`fellBack` pauses Redis on "timed out"). */
export class RedisDeadlineError extends Error {
  constructor(ms: number) {
    super(`Redis command timed out after ${ms} ms`);
    this.name = 'RedisDeadlineError';
  }
}

/**
 * Settles as `command`, or rejects with RedisDeadlineError once `ms` have passed and the replies
 * that arrived meanwhile have been read. A plain timer (ioredis's `commandTimeout`) fires in the
 * timers phase, before the poll phase reads the socket: a replica whose event loop was blocked
 * past the deadline (a burst of requests on a loaded machine) took its own lag for a slow Redis,
 * served the decision in process and skipped Redis for a second, loosening every shared limit
 * exactly under load. Waiting one more turn (`setImmediate`, after the poll phase) lets an answer
 * already in the socket win; only a Redis that truly has not answered misses the deadline.
 */
export function withinDeadline<T>(command: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(
      () =>
        setImmediate(() => {
          if (settled) return;
          settled = true;
          reject(new RedisDeadlineError(ms));
        }),
      ms,
    );
    command.then(
      (value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
