import v8 from 'node:v8';

/**
 * The old generation may grow to this many percent above what the last full collection kept
 * before the next one starts (V8's `--heap-growing-percent`; 200 → three times the live heap).
 */
export const SERVER_HEAP_GROWING_PERCENT = 200;

const FLAG = '--heap-growing-percent';

/**
 * Sets a fixed growth of the old generation for a long-running server, unless the operator gave
 * `node --heap-growing-percent=…` themselves (then theirs stands). Returns the flag it set, if any.
 *
 * Why: V8 starts incremental marking as soon as the room left below the old-generation limit is
 * smaller than the young generation (two 16 MB semi-spaces). With the gateway's ~33 MB live heap,
 * a request mix that promotes little makes V8's adaptive growth factor small (1.1-1.8), so after
 * an idle spell (the memory reducer shrinks the limit) the room stays below 32 MB and the gateway
 * marks without pause: in the hot-path bench, 300+ mark-compacts in a minute instead of 10, and
 * half the throughput at concurrency 1 (docs/performance.md, "The idle-then-busy heap"). A fixed
 * 200 % keeps the room above the young generation: the old generation peaks near three times the
 * live heap (~100 MB) instead. Unlike `--no-memory-reducer` or `--max-semi-space-size`, V8 reads
 * this flag whenever it recomputes the limit, so it can be set after start, for every way of
 * starting the server (`npm start`, `node dist/bundle/main.js`, the container).
 */
export function tuneServerHeap(execArgv: readonly string[] = process.execArgv): string | undefined {
  if (execArgv.some((argument) => argument === FLAG || argument.startsWith(`${FLAG}=`))) return undefined;
  const flag = `${FLAG}=${SERVER_HEAP_GROWING_PERCENT}`;
  v8.setFlagsFromString(flag);
  return flag;
}
