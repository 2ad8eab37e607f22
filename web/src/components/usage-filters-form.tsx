import { useState, type FormEvent } from 'react';
import type { Account } from '../api/admin-api';
import type { ApiKey } from '../api/keys-api';
import { USAGE_STATUSES, type UsageFilters, type UsageStatus } from '../api/usage-api';

/** The Usage page's filters; applied on submit so typing doesn't query on every key press. */
export function UsageFiltersForm({
  initial,
  keys,
  accounts,
  models,
  onApply,
}: {
  initial: UsageFilters;
  /** Suggestions for the model field (any id may still be typed). */
  models: string[] | undefined;
  keys: ApiKey[] | undefined;
  /** Admins only: undefined hides the account filter. */
  accounts: Account[] | undefined;
  onApply: (filters: UsageFilters) => void;
}) {
  const [draft, setDraft] = useState(initial);
  const set = (patch: Partial<UsageFilters>) => setDraft((current) => ({ ...current, ...patch }));

  function submit(event: FormEvent) {
    event.preventDefault();
    onApply(draft);
  }

  return (
    <form className="row filters" onSubmit={submit} aria-label="Usage filters">
      <div>
        <label htmlFor="usage-model">Model</label>
        <input
          id="usage-model"
          list="usage-model-ids"
          value={draft.model ?? ''}
          placeholder="any"
          onChange={(event) => set({ model: event.target.value })}
        />
        <datalist id="usage-model-ids">
          {(models ?? []).map((id) => (
            <option key={id} value={id} />
          ))}
        </datalist>
      </div>
      <div>
        <label htmlFor="usage-status">Status</label>
        <select id="usage-status" value={draft.status ?? ''} onChange={(event) => set({ status: event.target.value as UsageStatus | '' })}>
          <option value="">any</option>
          {USAGE_STATUSES.map((status) => (
            <option key={status} value={status}>
              {status}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="usage-key">Key</label>
        <select id="usage-key" value={draft.api_key_id ?? ''} onChange={(event) => set({ api_key_id: event.target.value })}>
          <option value="">any</option>
          {(keys ?? []).map((key) => (
            <option key={key.id} value={key.id}>
              {key.name} ({key.prefix}…)
            </option>
          ))}
        </select>
      </div>
      {accounts === undefined ? null : (
        <div>
          <label htmlFor="usage-account">Account</label>
          <select id="usage-account" value={draft.account_id ?? ''} onChange={(event) => set({ account_id: event.target.value })}>
            <option value="">all accounts</option>
            {accounts.map((account) => (
              <option key={account.id} value={account.id}>
                {account.name}
              </option>
            ))}
          </select>
        </div>
      )}
      <div>
        <label htmlFor="usage-from">From (UTC)</label>
        <input id="usage-from" type="date" value={draft.from ?? ''} onChange={(event) => set({ from: event.target.value })} />
      </div>
      <div>
        <label htmlFor="usage-to">To (UTC)</label>
        <input id="usage-to" type="date" value={draft.to ?? ''} onChange={(event) => set({ to: event.target.value })} />
      </div>
      <div>
        <button type="submit">Apply filters</button>
      </div>
    </form>
  );
}
