import { PageButtons } from '../components/page-buttons';
import { useCallback, useState } from 'react';
import { listAccounts } from '../api/admin-api';
import { listKeys } from '../api/keys-api';
import { loadDailyBreakdown } from '../api/usage-breakdown';
import { listUsage, usageCsv, type UsageFilters } from '../api/usage-api';
import { ErrorMessage } from '../components/error-message';
import { formatMs, formatTime, formatUsd } from '../components/format';
import { saveBlob } from '../components/save-blob';
import { UsageCharts } from '../components/usage-charts';
import { UsageFiltersForm } from '../components/usage-filters-form';
import { useLoaded } from '../components/use-loaded';
import type { PageProps } from './page-props';
import './manage-pages.css';

const PAGE_SIZE = 25;
const DEFAULT_DAYS = 30;

function defaultFilters(): UsageFilters {
  const today = new Date();
  const from = new Date(today.getTime() - (DEFAULT_DAYS - 1) * 86_400_000);
  return { from: from.toISOString().slice(0, 10), to: today.toISOString().slice(0, 10) };
}

/**
 * What was generated and spent: charts per day by model or key, the generations table with
 * cursor paging, and a CSV of every matching row. A normal key sees its own account
 * (GET /v1/usage), an admin key every account (GET /v1/admin/usage).
 */
export function UsagePage({ client, me }: PageProps) {
  const admin = me.admin;
  const [filters, setFilters] = useState<UsageFilters>(defaultFilters);
  // Cursors of the pages before the current one: "Previous" pops, "Next" pushes.
  const [cursors, setCursors] = useState<string[]>([]);
  const [by, setBy] = useState<'model' | 'api_key'>('model');
  const [exportError, setExportError] = useState<unknown>(null);
  const [exporting, setExporting] = useState(false);

  // Key names for the filter and the table; a key without `generate` and `read` can't list them.
  const keys = useLoaded(useCallback((signal: AbortSignal) => listKeys(client, admin, signal), [client, admin]));
  const accounts = useLoaded(
    useCallback(
      (signal: AbortSignal) =>
        admin ? listAccounts(client, { limit: 100 }, signal).then((page) => page.data) : Promise.resolve(undefined),
      [client, admin],
    ),
  );
  const models = useLoaded(
    useCallback(
      (signal: AbortSignal) =>
        client
          .request<Array<{ id: string }>>('GET', '/v2/models', { query: { fields: 'id' }, signal })
          .then((list) => list.map((model) => model.id)),
      [client],
    ),
  );
  const cursor = cursors.at(-1);
  const rows = useLoaded(
    useCallback(
      (signal: AbortSignal) => listUsage(client, admin, filters, { limit: PAGE_SIZE, cursor }, signal),
      [client, admin, filters, cursor],
    ),
  );
  const breakdown = useLoaded(
    useCallback((signal: AbortSignal) => loadDailyBreakdown(client, admin, filters, by, signal), [client, admin, filters, by]),
  );

  const keyName = (id: string | null) => {
    if (id === null) return 'other';
    const key = keys.value?.find((candidate) => candidate.id === id);
    return key ? `${key.name} (${key.prefix}…)` : id.slice(0, 8);
  };
  const accountName = (id: string) => accounts.value?.find((account) => account.id === id)?.name ?? id.slice(0, 8);

  async function exportCsv() {
    setExporting(true);
    setExportError(null);
    try {
      saveBlob(await usageCsv(client, admin, filters), `usage-${filters.from ?? 'all'}-${filters.to ?? 'now'}.csv`);
    } catch (caught) {
      setExportError(caught);
    } finally {
      setExporting(false);
    }
  }

  return (
    <section aria-labelledby="usage-title">
      <h1 id="usage-title">Usage</h1>
      <p className="muted">{admin ? 'Every account (admin key).' : `Account ${me.account.name}.`} Days are UTC.</p>
      <UsageFiltersForm
        initial={filters}
        keys={keys.value}
        models={models.value}
        accounts={admin ? (accounts.value ?? []) : undefined}
        onApply={(next) => {
          setFilters(next);
          setCursors([]);
        }}
      />

      <h2>Per day</h2>
      <fieldset className="row plain">
        <legend className="visually-hidden">Break charts down by</legend>
        {(['model', 'api_key'] as const).map((option) => (
          <label key={option} className="inline">
            <input type="radio" name="usage-by" value={option} checked={by === option} onChange={() => setBy(option)} /> by{' '}
            {option === 'model' ? 'model' : 'key'}
          </label>
        ))}
      </fieldset>
      <ErrorMessage error={breakdown.error} />
      {breakdown.value ? (
        <>
          <p aria-live="polite">
            {plural(breakdown.value.total.count, 'generation')} · {plural(breakdown.value.total.images, 'image')} ·{' '}
            {formatUsd(breakdown.value.total.cost)}
            {breakdown.loading ? ' (updating…)' : ''}
          </p>
          <UsageCharts breakdown={breakdown.value} groupName={by === 'model' ? (key) => key ?? 'other' : keyName} />
        </>
      ) : breakdown.loading ? (
        <p aria-live="polite">Loading charts…</p>
      ) : null}

      <div className="row spread">
        <h2>Generations</h2>
        <button type="button" className="secondary" onClick={() => void exportCsv()} disabled={exporting}>
          {exporting ? 'Exporting…' : 'Export CSV'}
        </button>
      </div>
      <ErrorMessage error={exportError} />
      <ErrorMessage error={rows.error} />
      <div className="table-scroll">
        <table aria-label="Generations" aria-busy={rows.loading}>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Model</th>
              <th scope="col">Status</th>
              <th scope="col" className="number">
                Images
              </th>
              <th scope="col" className="number">
                Cost
              </th>
              <th scope="col" className="number">
                Latency
              </th>
              <th scope="col">Provider</th>
              <th scope="col">Key</th>
              {admin ? <th scope="col">Account</th> : null}
            </tr>
          </thead>
          <tbody>
            {(rows.value?.data ?? []).map((row) => (
              <tr key={row.id}>
                <td>{formatTime(row.created_at)}</td>
                <td>{row.model}</td>
                <td className={row.status === 'error' ? 'error' : row.status === 'success' ? 'ok' : undefined}>
                  {row.status}
                  {row.error_type ? ` (${row.error_type})` : ''}
                </td>
                <td className="number">{row.images}</td>
                <td className="number">{formatUsd(row.cost)}</td>
                <td className="number">{formatMs(row.latency_ms)}</td>
                <td>{row.provider ?? '–'}</td>
                <td>{keyName(row.api_key_id)}</td>
                {admin ? <td>{accountName(row.account_id)}</td> : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rows.value && rows.value.data.length === 0 && !rows.loading ? <p>No generations match these filters.</p> : null}
      {rows.loading ? <p aria-live="polite">Loading…</p> : null}
      <PageButtons cursors={cursors} setCursors={setCursors} nextCursor={rows.value?.next_cursor} loading={rows.loading} />
    </section>
  );
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
