import { useState, type FormEvent } from 'react';
import type { Account } from '../api/admin-api';
import type { NewKeyFields, Scope, SpendPeriod } from '../api/keys-api';

const PERIODS: SpendPeriod[] = ['day', 'week', 'month'];

/**
 * The fields of a new key. Blank means "no limit"; scopes are those the signed-in key may give
 * (never admin from a user key). Admins may put the key in an existing account or a new one
 * with starting credits.
 */
export function CreateKeyForm({
  admin,
  scopes: allowedScopes,
  accounts,
  busy,
  onCreate,
}: {
  admin: boolean;
  scopes: Scope[];
  accounts: Account[] | undefined;
  busy: boolean;
  onCreate: (fields: NewKeyFields) => void;
}) {
  const [name, setName] = useState('');
  const [expires, setExpires] = useState('');
  const [spendLimit, setSpendLimit] = useState('');
  const [period, setPeriod] = useState<SpendPeriod>('month');
  const [rpm, setRpm] = useState('');
  const [concurrent, setConcurrent] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(allowedScopes.filter((scope) => scope !== 'admin'));
  const [accountId, setAccountId] = useState('');
  const [credits, setCredits] = useState('');

  function submit(event: FormEvent) {
    event.preventDefault();
    const fields: NewKeyFields = { name: name.trim(), scopes };
    // A date-time input has no zone: it is the person's local time.
    if (expires !== '') fields.expires_at = new Date(expires).toISOString();
    if (spendLimit !== '') {
      fields.spend_limit = Number(spendLimit);
      fields.spend_limit_period = period;
    }
    if (rpm !== '') fields.requests_per_minute = Number(rpm);
    if (concurrent !== '') fields.max_concurrent_generations = Number(concurrent);
    if (admin && accountId !== '') fields.account_id = accountId;
    if (admin && accountId === '' && credits !== '') fields.credits = Number(credits);
    onCreate(fields);
  }

  const toggle = (scope: Scope, on: boolean) =>
    setScopes((current) => (on ? [...current, scope] : current.filter((candidate) => candidate !== scope)));

  return (
    <form onSubmit={submit} className="card" aria-labelledby="create-key-title">
      <h2 id="create-key-title">Create a key</h2>
      <div className="form-grid">
        <div>
          <label htmlFor="key-name">Name</label>
          <input id="key-name" value={name} onChange={(event) => setName(event.target.value)} required maxLength={200} />
        </div>
        <div>
          <label htmlFor="key-expires">Expires (optional)</label>
          <input id="key-expires" type="datetime-local" value={expires} onChange={(event) => setExpires(event.target.value)} />
        </div>
        <div>
          <label htmlFor="key-spend-limit">Spend limit, USD (optional)</label>
          <input
            id="key-spend-limit"
            type="number"
            min="0.000001"
            step="any"
            inputMode="decimal"
            value={spendLimit}
            onChange={(event) => setSpendLimit(event.target.value)}
          />
        </div>
        <div>
          <label htmlFor="key-spend-period">Spend limit period</label>
          <select id="key-spend-period" value={period} onChange={(event) => setPeriod(event.target.value as SpendPeriod)}>
            {PERIODS.map((option) => (
              <option key={option} value={option}>
                per {option} (UTC)
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="key-rpm">Requests per minute (optional)</label>
          <input id="key-rpm" type="number" min="1" step="1" value={rpm} onChange={(event) => setRpm(event.target.value)} />
        </div>
        <div>
          <label htmlFor="key-concurrent">Max concurrent generations (optional)</label>
          <input
            id="key-concurrent"
            type="number"
            min="1"
            step="1"
            value={concurrent}
            onChange={(event) => setConcurrent(event.target.value)}
          />
        </div>
        {admin ? (
          <>
            <div>
              <label htmlFor="key-account">Account</label>
              <select id="key-account" value={accountId} onChange={(event) => setAccountId(event.target.value)}>
                <option value="">a new account</option>
                {(accounts ?? []).map((account) => (
                  <option key={account.id} value={account.id}>
                    {account.name}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <label htmlFor="key-credits">Starting credits, USD (new account; blank = unlimited)</label>
              <input
                id="key-credits"
                type="number"
                min="0"
                step="any"
                inputMode="decimal"
                value={credits}
                disabled={accountId !== ''}
                onChange={(event) => setCredits(event.target.value)}
              />
            </div>
          </>
        ) : null}
      </div>
      <fieldset>
        <legend>Scopes</legend>
        {allowedScopes.map((scope) => (
          <label key={scope} className="inline scope">
            <input type="checkbox" checked={scopes.includes(scope)} onChange={(event) => toggle(scope, event.target.checked)} /> {scope}
          </label>
        ))}
        <p className="hint">generate: image endpoints · read: generations, usage and credits · admin: the admin API.</p>
      </fieldset>
      <div className="actions">
        <button type="submit" disabled={busy || name.trim() === '' || scopes.length === 0}>
          {busy ? 'Creating…' : 'Create key'}
        </button>
      </div>
    </form>
  );
}
