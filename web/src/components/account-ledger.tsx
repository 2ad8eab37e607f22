import { useCallback } from 'react';
import { accountLedger, type Account } from '../api/admin-api';
import type { GatewayClient } from '../api/gateway-client';
import { ErrorMessage } from './error-message';
import { formatTime, formatUsd } from './format';
import { useLoaded } from './use-loaded';

const ENTRIES = 20;

/** An account's latest ledger entries: grants with their notes, deductions, charges for generations. */
export function AccountLedger({ client, account, onClose }: { client: GatewayClient; account: Account; onClose: () => void }) {
  const ledger = useLoaded(useCallback((signal: AbortSignal) => accountLedger(client, account.id, ENTRIES, signal), [client, account.id]));
  return (
    <section className="card" aria-labelledby="ledger-title">
      <div className="row spread">
        <h3 id="ledger-title">Ledger of {account.name}</h3>
        <button type="button" className="secondary" onClick={onClose}>
          Close ledger
        </button>
      </div>
      <ErrorMessage error={ledger.error} />
      <div className="table-scroll">
        <table aria-label={`Ledger of ${account.name}`} aria-busy={ledger.loading}>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Kind</th>
              <th scope="col" className="number">
                Amount
              </th>
              <th scope="col">Note or generation</th>
            </tr>
          </thead>
          <tbody>
            {(ledger.value?.data ?? []).map((entry) => (
              <tr key={entry.id}>
                <td>{formatTime(entry.created_at)}</td>
                <td>{entry.kind}</td>
                <td className="number">{formatUsd(entry.amount)}</td>
                <td>{entry.note ?? (entry.generation_id ? <code>{entry.generation_id}</code> : '–')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {ledger.value && ledger.value.data.length === 0 ? <p className="muted">No entries yet.</p> : null}
      {ledger.value?.next_cursor ? <p className="muted">The latest {ENTRIES} entries.</p> : null}
    </section>
  );
}
