/**
 * Previous / Next over a cursor-paged list: `cursors` is the stack of cursors of the pages before
 * this one, so Previous pops and Next pushes the answer's `next_cursor`.
 */
export function PageButtons({
  cursors,
  setCursors,
  nextCursor,
  loading,
}: {
  cursors: string[];
  setCursors: (update: (current: string[]) => string[]) => void;
  nextCursor: string | null | undefined;
  loading: boolean;
}) {
  return (
    <div className="row">
      <button
        type="button"
        className="secondary"
        disabled={cursors.length === 0}
        onClick={() => setCursors((current) => current.slice(0, -1))}
      >
        Previous page
      </button>
      <button
        type="button"
        className="secondary"
        disabled={!nextCursor || loading}
        onClick={() => {
          if (nextCursor) setCursors((current) => [...current, nextCursor]);
        }}
      >
        Next page
      </button>
    </div>
  );
}
