import { useCallback } from 'react';
import { adminConfig } from '../api/admin-api';
import type { GatewayClient } from '../api/gateway-client';
import { ErrorMessage } from './error-message';
import { useLoaded } from './use-loaded';

/**
 * The configuration this gateway runs with, as GET /v1/admin/config reports it: the gateway
 * has already masked every secret. Sections other than settings and providers are shown as they
 * come, so a new section appears without a dashboard change.
 */
export function ConfigPanel({ client }: { client: GatewayClient }) {
  const config = useLoaded(useCallback((signal: AbortSignal) => adminConfig(client, signal), [client]));
  const value = config.value;
  const others = value ? Object.entries(value).filter(([name]) => name !== 'settings' && name !== 'providers') : [];
  return (
    <section aria-labelledby="config-title">
      <h2 id="config-title">Effective configuration</h2>
      <p className="muted">Secrets are masked by the gateway; provider keys appear only as the names of the variables that are set.</p>
      <ErrorMessage error={config.error} />
      {config.loading && !value ? <p aria-live="polite">Loading…</p> : null}
      {value ? (
        <>
          <h3>Settings</h3>
          <div className="table-scroll">
            <table aria-label="Settings" className="config-table">
              <tbody>
                {Object.entries(value.settings).map(([name, setting]) => (
                  <tr key={name}>
                    <th scope="row">
                      <code>{name}</code>
                    </th>
                    <td>{text(setting)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h3>Provider instances</h3>
          <div className="table-scroll">
            <table aria-label="Provider instances" className="config-table">
              <thead>
                <tr>
                  <th scope="col">Provider</th>
                  <th scope="col">Configured</th>
                  <th scope="col">Base URL</th>
                  <th scope="col">Key variables</th>
                </tr>
              </thead>
              <tbody>
                {value.providers.map((provider) => (
                  <tr key={provider.id}>
                    <th scope="row">
                      {provider.id}
                      <div className="muted">{provider.adapter}</div>
                    </th>
                    <td className={provider.configured ? 'ok' : 'muted'}>
                      {provider.configured ? 'yes' : `no${provider.missing ? ` (${provider.missing})` : ''}`}
                    </td>
                    <td>{provider.base_url ?? '–'}</td>
                    <td>
                      {(provider.key_variables ?? []).map((variable) => `${variable.name}${variable.set ? ' (set)' : ''}`).join(', ') ||
                        '–'}
                      {provider.keys === undefined ? '' : ` · ${provider.keys} ${provider.keys === 1 ? 'key' : 'keys'}`}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {others.map(([name, section]) => (
            <div key={name}>
              <h3>{name[0]!.toUpperCase() + name.slice(1)}</h3>
              <dl className="settings-list">
                {Object.entries(typeof section === 'object' && section !== null ? section : { value: section }).map(([field, item]) => (
                  <div key={field}>
                    <dt>{field.replaceAll('_', ' ')}</dt>
                    <dd>{text(item)}</dd>
                  </div>
                ))}
              </dl>
            </div>
          ))}
        </>
      ) : null}
    </section>
  );
}

function text(value: unknown): string {
  if (value === null || value === undefined || value === '') return 'not set';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
