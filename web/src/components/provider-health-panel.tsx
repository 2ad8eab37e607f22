import { useCallback } from 'react';
import { providerHealth } from '../api/admin-api';
import type { GatewayClient } from '../api/gateway-client';
import { ErrorMessage } from './error-message';
import { formatMs, formatTime } from './format';
import { useLoaded } from './use-loaded';

const BREAKER_TEXT = { closed: 'closed (healthy)', open: 'open (skipped)', half_open: 'half open (probing)' } as const;

/** Each provider instance as this gateway process sees it: breaker, error rate, latency, last error. */
export function ProviderHealthPanel({ client }: { client: GatewayClient }) {
  const health = useLoaded(useCallback((signal: AbortSignal) => providerHealth(client, signal), [client]));
  return (
    <section aria-labelledby="providers-title">
      <div className="row spread">
        <h2 id="providers-title">Provider health</h2>
        <button type="button" className="secondary" onClick={health.reload} disabled={health.loading}>
          {health.loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      {health.value ? (
        <p className="muted">Over each provider&apos;s last {health.value.window_calls} calls in this gateway process.</p>
      ) : null}
      <ErrorMessage error={health.error} />
      <div className="table-scroll">
        <table aria-label="Provider health">
          <thead>
            <tr>
              <th scope="col">Provider</th>
              <th scope="col">Breaker</th>
              <th scope="col" className="number">
                Error rate
              </th>
              <th scope="col" className="number">
                Calls
              </th>
              <th scope="col" className="number">
                p50
              </th>
              <th scope="col" className="number">
                p95
              </th>
              <th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            {(health.value?.data ?? []).map((provider) => (
              <tr key={provider.instance}>
                <th scope="row">
                  {provider.instance}
                  <div className="muted">
                    {provider.title} · {provider.adapter}
                    {provider.keys.length > 1
                      ? ` · keys: ${provider.keys.map((key) => `#${key.index + 1} ${key.breaker}`).join(', ')}`
                      : ''}
                  </div>
                </th>
                <td className={provider.breaker === 'open' ? 'error' : provider.breaker === 'closed' ? 'ok' : undefined}>
                  {provider.breaker_disabled ? 'disabled' : provider.breaker === null ? '–' : BREAKER_TEXT[provider.breaker]}
                </td>
                <td className="number">{provider.error_rate === null ? '–' : `${(provider.error_rate * 100).toFixed(1)}%`}</td>
                <td className="number">{provider.recent_calls}</td>
                <td className="number">{formatMs(provider.p50_latency_ms)}</td>
                <td className="number">{formatMs(provider.p95_latency_ms)}</td>
                <td>
                  {provider.last_error ? (
                    <>
                      {provider.last_error.kind}: {provider.last_error.message}
                      <div className="muted">{formatTime(provider.last_error.at)}</div>
                    </>
                  ) : (
                    'none'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
