import { keyState, type ApiKey } from '../api/keys-api';
import { ConfirmButton } from './confirm-button';
import { formatTime, formatUsd } from './format';

/** Keys with their state, limits and this period's spend; active ones can be revoked (after a confirm step). */
export function KeysTable({
  keys,
  currentKeyId,
  accountName,
  revoking,
  onRevoke,
}: {
  keys: ApiKey[];
  currentKeyId: string;
  /** Admins see each key's account. */
  accountName: ((id: string) => string) | undefined;
  revoking: string | null;
  onRevoke: (key: ApiKey) => void;
}) {
  return (
    <div className="table-scroll">
      <table aria-label="API keys">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">State</th>
            <th scope="col">Scopes</th>
            <th scope="col">Spend this period</th>
            <th scope="col">Rate limits</th>
            <th scope="col">Expires</th>
            <th scope="col">Last used</th>
            {accountName ? <th scope="col">Account</th> : null}
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => {
            const state = keyState(key);
            const mine = key.id === currentKeyId;
            return (
              <tr key={key.id}>
                <th scope="row">
                  {key.name}
                  <div className="muted">
                    <code>{key.prefix}…</code>
                    {mine ? ' · this key' : ''}
                  </div>
                </th>
                <td className={state === 'active' ? 'ok' : 'muted'}>{state}</td>
                <td>{key.scopes.join(', ')}</td>
                <td>
                  {key.spend_limit
                    ? `${formatUsd(key.spend_limit.period_spend)} of ${formatUsd(key.spend_limit.limit)} per ${key.spend_limit.period}`
                    : 'no limit'}
                </td>
                <td>
                  {key.requests_per_minute === null ? 'any rpm' : `${key.requests_per_minute}/min`} ·{' '}
                  {key.max_concurrent_generations === null ? 'any concurrency' : `${key.max_concurrent_generations} at once`}
                </td>
                <td>{key.expires_at === null ? 'never' : formatTime(key.expires_at)}</td>
                <td>{key.last_used_at === null ? 'never' : formatTime(key.last_used_at)}</td>
                {accountName ? <td>{accountName(key.account_id)}</td> : null}
                <td>
                  {state === 'revoked' ? null : (
                    <ConfirmButton
                      label={revoking === key.id ? 'Revoking…' : 'Revoke'}
                      ariaLabel={`Revoke ${key.name}`}
                      question={
                        mine
                          ? 'Revoke the key you are signed in with? You will be signed out.'
                          : `Revoke “${key.name}”? It stops working at once.`
                      }
                      confirmLabel="Yes, revoke"
                      disabled={revoking !== null}
                      onConfirm={() => onRevoke(key)}
                    />
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
