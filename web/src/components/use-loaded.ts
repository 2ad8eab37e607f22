import { useCallback, useEffect, useState } from 'react';

export interface Loaded<T> {
  /** The last value loaded; kept while a new load runs, so tables don't flicker. */
  value: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * Runs `load` whenever it changes (wrap it in useCallback with its real inputs) or `reload` is
 * called, aborting the previous run. Loading is derived from which load the state belongs to,
 * so no state is set synchronously inside the effect.
 */
export function useLoaded<T>(load: (signal: AbortSignal) => Promise<T>): Loaded<T> {
  const [version, setVersion] = useState(0);
  const [state, setState] = useState<{ load: unknown; version: number; value?: T; error?: unknown }>({ load: null, version: -1 });
  useEffect(() => {
    const controller = new AbortController();
    load(controller.signal).then(
      (value) => {
        if (!controller.signal.aborted) setState({ load, version, value });
      },
      (error: unknown) => {
        if (!controller.signal.aborted)
          setState((previous) => ({ load, version, ...('value' in previous ? { value: previous.value } : {}), error }));
      },
    );
    return () => controller.abort();
  }, [load, version]);
  const reload = useCallback(() => setVersion((current) => current + 1), []);
  const loading = state.load !== load || state.version !== version;
  return { value: state.value, error: loading ? undefined : state.error, loading, reload };
}
