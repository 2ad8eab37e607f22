import { useState, type FormEvent } from 'react';

/** A new account: a name and starting credits (blank = unlimited, as the admin API defines it). */
export function CreateAccountForm({ busy, onCreate }: { busy: boolean; onCreate: (fields: { name: string; credits?: number }) => void }) {
  const [name, setName] = useState('');
  const [credits, setCredits] = useState('');

  function submit(event: FormEvent) {
    event.preventDefault();
    onCreate(credits === '' ? { name: name.trim() } : { name: name.trim(), credits: Number(credits) });
    setName('');
    setCredits('');
  }

  return (
    <form className="row" onSubmit={submit} aria-label="Create an account">
      <div>
        <label htmlFor="account-name">New account name</label>
        <input id="account-name" value={name} required maxLength={200} onChange={(event) => setName(event.target.value)} />
      </div>
      <div>
        <label htmlFor="account-credits">Starting credits, USD (blank = unlimited)</label>
        <input
          id="account-credits"
          type="number"
          min="0"
          step="any"
          inputMode="decimal"
          value={credits}
          onChange={(event) => setCredits(event.target.value)}
        />
      </div>
      <div>
        <button type="submit" disabled={busy || name.trim() === ''}>
          Create account
        </button>
      </div>
    </form>
  );
}
