import { useCallback, useState } from 'react';
import { listAccounts } from '../api/admin-api';
import { createKey, listKeys, revokeKey, type ApiKey, type CreatedApiKey, type NewKeyFields } from '../api/keys-api';
import { CreateKeyForm } from '../components/create-key-form';
import { ErrorMessage } from '../components/error-message';
import { KeysTable } from '../components/keys-table';
import { NewKeyNotice } from '../components/new-key-notice';
import { useLoaded } from '../components/use-loaded';
import type { PageProps } from './page-props';
import './manage-pages.css';

/**
 * Create, list and revoke keys: a user key manages its own account's keys (/v1/keys), an admin
 * key every account's (/v1/admin/keys). A new key's secret is shown once.
 */
export function KeysPage({ client, me, refreshMe }: PageProps) {
  const admin = me.admin;
  const keys = useLoaded(useCallback((signal: AbortSignal) => listKeys(client, admin, signal), [client, admin]));
  const accounts = useLoaded(
    useCallback(
      (signal: AbortSignal) =>
        admin ? listAccounts(client, { limit: 100 }, signal).then((page) => page.data) : Promise.resolve(undefined),
      [client, admin],
    ),
  );
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [busy, setBusy] = useState(false);
  const [revoking, setRevoking] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [message, setMessage] = useState('');
  // The form is remounted after a create so it starts empty again.
  const [formVersion, setFormVersion] = useState(0);

  async function create(fields: NewKeyFields) {
    setBusy(true);
    setActionError(null);
    setMessage('');
    try {
      setCreated(await createKey(client, admin, fields));
      setFormVersion((current) => current + 1);
      keys.reload();
      accounts.reload();
    } catch (caught) {
      setActionError(caught);
    } finally {
      setBusy(false);
    }
  }

  async function revoke(key: ApiKey) {
    setRevoking(key.id);
    setActionError(null);
    setMessage('');
    try {
      await revokeKey(client, admin, key.id);
      setMessage(`Key “${key.name}” revoked.`);
      keys.reload();
      // Revoking the key in use signs out (the shell sees the 401).
      if (key.id === me.id) refreshMe();
    } catch (caught) {
      setActionError(caught);
    } finally {
      setRevoking(null);
    }
  }

  const accountName = (id: string) => accounts.value?.find((account) => account.id === id)?.name ?? id.slice(0, 8);
  const canManage = admin || (me.scopes.includes('generate') && me.scopes.includes('read'));

  return (
    <section aria-labelledby="keys-title">
      <h1 id="keys-title">Keys</h1>
      <p className="muted">{admin ? 'Keys of every account (admin key).' : `Keys of account ${me.account.name}.`}</p>
      {canManage ? null : <p className="error">Managing keys needs a key with both the generate and read scopes.</p>}
      {created ? <NewKeyNotice created={created} onDone={() => setCreated(null)} /> : null}
      {canManage ? (
        <CreateKeyForm
          key={formVersion}
          admin={admin}
          scopes={admin ? ['generate', 'read', 'admin'] : me.scopes}
          accounts={accounts.value}
          busy={busy}
          onCreate={(fields) => void create(fields)}
        />
      ) : null}
      <ErrorMessage error={actionError} />
      <p role="status" aria-live="polite" className="ok">
        {message}
      </p>
      <h2>All keys</h2>
      <ErrorMessage error={keys.error} />
      {keys.value ? (
        <KeysTable
          keys={keys.value}
          currentKeyId={me.id}
          accountName={admin ? accountName : undefined}
          revoking={revoking}
          onRevoke={(key) => void revoke(key)}
        />
      ) : keys.loading ? (
        <p aria-live="polite">Loading…</p>
      ) : null}
    </section>
  );
}
