import type { CreatedApiKey } from '../api/keys-api';
import { CopyButton } from './copy-button';

/** The secret of a key just created: shown this once, never again (the gateway keeps only a hash). */
export function NewKeyNotice({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  return (
    <section className="card new-key" aria-labelledby="new-key-title">
      <h2 id="new-key-title">Key “{created.name}” created</h2>
      <p>Copy it now: it is shown only this once. Anyone with it can use the gateway as this key.</p>
      <label htmlFor="new-key-secret">New API key</label>
      <div className="actions">
        <input
          id="new-key-secret"
          className="secret"
          readOnly
          // Focus (and so selection) lands on the secret: keyboard users can copy at once.
          autoFocus
          value={created.key}
          onFocus={(event) => event.target.select()}
          spellCheck={false}
        />
        <CopyButton text={created.key} fallbackInputId="new-key-secret" />
      </div>
      <div className="actions">
        <button type="button" className="secondary" onClick={onDone}>
          I have copied it
        </button>
      </div>
    </section>
  );
}
