import { PageButtons } from './page-buttons';
import { useCallback, useRef, useState } from 'react';
import { createAccount, grantCredits, listAccounts, type Account } from '../api/admin-api';
import type { GatewayClient } from '../api/gateway-client';
import { AccountLedger } from './account-ledger';
import { CreateAccountForm } from './create-account-form';
import { ErrorMessage } from './error-message';
import { formatTime, formatUsd } from './format';
import { GrantCreditsForm } from './grant-credits-form';
import { useLoaded } from './use-loaded';

const PAGE_SIZE = 20;

/** Accounts and balances with cursor paging; grant credits to one, or create a new one. */
export function AccountsPanel({ client, onBalanceChanged }: { client: GatewayClient; onBalanceChanged: () => void }) {
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const accounts = useLoaded(
    useCallback((signal: AbortSignal) => listAccounts(client, { limit: PAGE_SIZE, cursor }, signal), [client, cursor]),
  );
  const [granting, setGranting] = useState<Account | null>(null);
  const [ledgerOf, setLedgerOf] = useState<Account | null>(null);
  // Bumped after every change, remounting an open ledger so it shows the new entry.
  const [changes, setChanges] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState('');
  // After a grant its form is gone: focus moves to the outcome instead of the page's top.
  const statusRef = useRef<HTMLParagraphElement>(null);

  async function act(action: () => Promise<string>) {
    setBusy(true);
    setError(null);
    setMessage('');
    try {
      setMessage(await action());
      accounts.reload();
      setChanges((current) => current + 1);
      statusRef.current?.focus();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const grant = (account: Account, amount: number, note: string) =>
    act(async () => {
      const result = await grantCredits(client, account.id, amount, note);
      setGranting(null);
      // The signed-in key's own balance in the header may have changed.
      onBalanceChanged();
      return `${result.kind === 'grant' ? 'Granted' : 'Deducted'} ${formatUsd(Math.abs(result.amount))} ${
        result.kind === 'grant' ? 'to' : 'from'
      } ${result.account.name}: balance now ${balanceText(result.account)}.`;
    });

  const create = (fields: { name: string; credits?: number }) =>
    act(async () => {
      const account = await createAccount(client, fields);
      return `Account ${account.name} created with ${balanceText(account)}.`;
    });

  return (
    <section aria-labelledby="accounts-title">
      <h2 id="accounts-title">Accounts and balances</h2>
      <CreateAccountForm busy={busy} onCreate={(fields) => void create(fields)} />
      {granting ? (
        <GrantCreditsForm
          account={granting}
          busy={busy}
          onGrant={(amount, note) => void grant(granting, amount, note)}
          onCancel={() => setGranting(null)}
        />
      ) : null}
      {ledgerOf ? (
        <AccountLedger key={`${ledgerOf.id}-${changes}`} client={client} account={ledgerOf} onClose={() => setLedgerOf(null)} />
      ) : null}
      <ErrorMessage error={error} />
      <p role="status" aria-live="polite" className="ok" tabIndex={-1} ref={statusRef}>
        {message}
      </p>
      <ErrorMessage error={accounts.error} />
      <div className="table-scroll">
        <table aria-label="Accounts" aria-busy={accounts.loading}>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col" className="number">
                Balance
              </th>
              <th scope="col" className="number">
                Keys
              </th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(accounts.value?.data ?? []).map((account) => (
              <tr key={account.id}>
                <th scope="row">
                  {account.name}
                  <div className="muted">
                    <code>{account.id}</code>
                  </div>
                </th>
                <td className="number">{balanceText(account)}</td>
                <td className="number">{account.key_count}</td>
                <td>{formatTime(account.created_at)}</td>
                <td>
                  <div className="actions tight">
                    <button
                      type="button"
                      className="secondary"
                      onClick={() => setGranting(account)}
                      aria-label={`Grant credits to ${account.name}`}
                    >
                      Grant credits
                    </button>
                    <button
                      type="button"
                      className="secondary"
                      onClick={() => setLedgerOf(account)}
                      aria-label={`Ledger of ${account.name}`}
                    >
                      Ledger
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <PageButtons cursors={cursors} setCursors={setCursors} nextCursor={accounts.value?.next_cursor} loading={accounts.loading} />
    </section>
  );
}

function balanceText(account: Account): string {
  return account.unlimited ? 'unlimited' : formatUsd(account.balance);
}
