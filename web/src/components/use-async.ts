import { useLoaded } from './use-loaded';

export type AsyncState<T> = { status: 'loading' } | { status: 'ok'; value: T } | { status: 'error'; error: unknown };

/**
 * `useLoaded` for pages that show a loading state instead of the previous value. Wrap `load` in
 * useCallback with its real inputs: it runs again (aborting a run still in flight) when they change.
 */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>): AsyncState<T> {
  const loaded = useLoaded(load);
  if (loaded.loading) return { status: 'loading' };
  if (loaded.error !== undefined) return { status: 'error', error: loaded.error };
  return { status: 'ok', value: loaded.value as T };
}
