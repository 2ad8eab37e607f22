import { useEffect, useState } from 'react';

export type AsyncState<T> = { status: 'loading' } | { status: 'ok'; value: T } | { status: 'error'; error: unknown };

/**
 * Runs `load` whenever `deps` change and keeps its outcome; an earlier run still in flight is
 * aborted, so a slow answer never overwrites a newer one.
 */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): AsyncState<T> {
  const [state, setState] = useState<AsyncState<T>>({ status: 'loading' });
  // New inputs: back to loading during this render, not after it (no flash of the old value).
  const [shownDeps, setShownDeps] = useState(deps);
  if (shownDeps.length !== deps.length || shownDeps.some((value, index) => !Object.is(value, deps[index]))) {
    setShownDeps(deps);
    setState({ status: 'loading' });
  }
  useEffect(() => {
    const controller = new AbortController();
    load(controller.signal).then(
      (value) => {
        if (!controller.signal.aborted) setState({ status: 'ok', value });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ status: 'error', error });
      },
    );
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller names what `load` depends on
  }, deps);
  return state;
}
