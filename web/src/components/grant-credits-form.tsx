import { useState, type FormEvent } from 'react';
import type { Account } from '../api/admin-api';

/** Grant (or, negative, deduct) credits for one account, with a note for its ledger. */
export function GrantCreditsForm({
  account,
  busy,
  onGrant,
  onCancel,
}: {
  account: Account;
  busy: boolean;
  onGrant: (amount: number, note: string) => void;
  onCancel: () => void;
}) {
  const [amount, setAmount] = useState('');
  const [note, setNote] = useState('');
  const value = Number(amount);

  function submit(event: FormEvent) {
    event.preventDefault();
    onGrant(value, note);
  }

  return (
    <form className="card" onSubmit={submit} aria-labelledby="grant-title" onKeyDown={(event) => event.key === 'Escape' && onCancel()}>
      <h3 id="grant-title">Grant credits to {account.name}</h3>
      <div className="form-grid">
        <div>
          <label htmlFor="grant-amount">Amount, USD (negative deducts)</label>
          <input
            id="grant-amount"
            type="number"
            step="any"
            inputMode="decimal"
            required
            autoFocus
            value={amount}
            onChange={(event) => setAmount(event.target.value)}
          />
        </div>
        <div>
          <label htmlFor="grant-note">Note (optional)</label>
          <input id="grant-note" value={note} maxLength={500} onChange={(event) => setNote(event.target.value)} />
        </div>
      </div>
      <div className="actions">
        <button type="submit" disabled={busy || amount === '' || !Number.isFinite(value) || value === 0}>
          {busy ? 'Granting…' : 'Grant'}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
