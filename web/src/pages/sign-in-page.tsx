import { useState, type FormEvent } from 'react';
import { createGatewayClient } from '../api/gateway-client';
import { fetchKeyInfo, type KeyInfo } from '../api/key-info';
import { ErrorMessage } from '../components/error-message';

/** Sign in with an API key: checked against the gateway before it is kept (in this tab only). */
export function SignInPage({ onSignedIn }: { onSignedIn: (key: string, me: KeyInfo) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const trimmed = key.trim();
      onSignedIn(trimmed, await fetchKeyInfo(createGatewayClient(trimmed)));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in">
      <form onSubmit={submit} className="card" aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">ImageRouter</h1>
        <p>Sign in with an API key. An admin key also shows accounts, keys of every account and provider health.</p>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          placeholder="sk-ir-…"
          value={key}
          onChange={(event) => setKey(event.target.value)}
          required
        />
        <p className="hint">The key stays in this browser tab only; signing out or closing the tab forgets it.</p>
        <button type="submit" disabled={busy || key.trim() === ''}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        <ErrorMessage error={error} />
      </form>
    </main>
  );
}
