import { useCallback, useEffect, useRef, useState } from 'react';
import { listGenerations, type Generation, type GenerationStatusFilter } from '../api/generations-api';
import { ErrorMessage } from '../components/error-message';
import { GenerationDetails } from '../components/generation-details';
import { useAsync } from '../components/use-async';
import type { PageProps } from './page-props';
import './playground-page.css';

/** The account's generations, newest first, as thumbnails; one opens with its details. */
export function HistoryPage({ client }: PageProps) {
  const [status, setStatus] = useState<GenerationStatusFilter>('');
  const first = useAsync(useCallback((signal: AbortSignal) => listGenerations(client, null, status, signal), [client, status]));
  const [more, setMore] = useState<{ items: Generation[]; cursor: string | null } | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [open, setOpen] = useState<Generation | null>(null);

  const filter = (
    <div>
      <label htmlFor="history-status">Status</label>
      <select
        id="history-status"
        value={status}
        onChange={(event) => {
          // Another list: the pages loaded for the old one no longer belong to it.
          setMore(null);
          setStatus(event.target.value as GenerationStatusFilter);
        }}
      >
        <option value="">All</option>
        <option value="success">Succeeded</option>
        <option value="error">Failed</option>
        <option value="processing">Running</option>
      </select>
    </div>
  );
  if (first.status !== 'ok') {
    return (
      <section aria-labelledby="history-title">
        <h1 id="history-title">History</h1>
        {filter}
        {first.status === 'loading' ? <p aria-live="polite">Loading history…</p> : <ErrorMessage error={first.error} />}
      </section>
    );
  }
  const items = [...first.value.data, ...(more?.items ?? [])];
  const cursor = more === null ? first.value.next_cursor : more.cursor;

  async function loadMore() {
    if (cursor === null) return;
    setLoadingMore(true);
    setError(null);
    try {
      const page = await listGenerations(client, cursor, status);
      setMore((current) => ({ items: [...(current?.items ?? []), ...page.data], cursor: page.next_cursor }));
    } catch (caught) {
      setError(caught);
    } finally {
      setLoadingMore(false);
    }
  }

  return (
    <section aria-labelledby="history-title">
      <h1 id="history-title">History</h1>
      {filter}
      {items.length === 0 ? (
        <p>{status === '' ? 'No generations yet. Try the Playground.' : 'None with this status.'}</p>
      ) : (
        <ul className="history-grid" aria-label="Generations">
          {items.map((generation) => (
            <li key={generation.id}>
              <button type="button" className="thumb" onClick={() => setOpen(generation)} aria-label={thumbLabel(generation)}>
                {generation.data?.[0] ? (
                  <img src={generation.data[0].url} alt="" loading="lazy" />
                ) : (
                  <span className={`thumb-status ${generation.status}`}>{generation.status}</span>
                )}
                <span className="thumb-caption">
                  {generation.model}
                  {(generation.data?.length ?? 0) > 1 ? ` · ${generation.data!.length} images` : ''}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {cursor !== null && (
        <button type="button" className="secondary" onClick={() => void loadMore()} disabled={loadingMore}>
          {loadingMore ? 'Loading…' : 'Load more'}
        </button>
      )}
      <ErrorMessage error={error} />
      {open !== null && <DetailsDialog generation={open} onClose={() => setOpen(null)} />}
    </section>
  );
}

function thumbLabel(generation: Generation): string {
  return `${generation.model}, ${generation.status}, ${new Date(generation.created).toLocaleString()}`;
}

/** A modal dialog: focus moves in, Escape closes, focus returns to the thumbnail. */
function DetailsDialog({ generation, onClose }: { generation: Generation; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  // No close() on cleanup: unmounting removes the dialog, and a queued `close` event would
  // otherwise close the next one that StrictMode's second mount opens.
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
  }, []);
  return (
    <dialog ref={dialog} className="card details-dialog" aria-labelledby="details-title" onClose={onClose}>
      <h2 id="details-title">Generation</h2>
      <GenerationDetails generation={generation} />
      <form method="dialog">
        <button type="submit">Close</button>
      </form>
    </dialog>
  );
}
