import { AccountsPanel } from '../components/accounts-panel';
import { ConfigPanel } from '../components/config-panel';
import { ProviderHealthPanel } from '../components/provider-health-panel';
import type { PageProps } from './page-props';
import './manage-pages.css';

/** For admin keys (the shell shows it to no one else): accounts and credits, provider health, configuration. */
export function AdminPage({ client, refreshMe }: PageProps) {
  return (
    <section aria-labelledby="admin-title">
      <h1 id="admin-title">Admin</h1>
      <AccountsPanel client={client} onBalanceChanged={refreshMe} />
      <ProviderHealthPanel client={client} />
      <ConfigPanel client={client} />
    </section>
  );
}
