import type { GatewayClient } from './gateway-client';

/* The admin API the Admin page reads: accounts and credits, provider health, effective config. */

export interface Account {
  id: string;
  name: string;
  unlimited: boolean;
  balance_micros: number | null;
  balance: number | null;
  key_count: number;
  created_at: string;
}

export interface ProviderHealth {
  instance: string;
  adapter: string;
  title: string;
  breaker: 'closed' | 'open' | 'half_open' | null;
  breaker_disabled: boolean;
  /** One breaker per upstream key (at least one). */
  keys: Array<{ index: number; breaker: 'closed' | 'open' | 'half_open' }>;
  recent_calls: number;
  recent_errors: number;
  error_rate: number | null;
  p50_latency_ms: number | null;
  p95_latency_ms: number | null;
  last_call_at: string | null;
  last_error: { kind: string; message: string; at: string } | null;
}

export interface AdminConfig {
  settings: Record<string, unknown>;
  providers: Array<{
    id: string;
    adapter: string;
    title?: string;
    base_url?: string | null;
    configured: boolean;
    missing?: string | null;
    key_variables?: Array<{ name: string; set: boolean }>;
    keys?: number;
  }>;
  catalog: Record<string, unknown>;
  [section: string]: unknown;
}

export function listAccounts(
  client: GatewayClient,
  page: { limit: number; cursor?: string | undefined },
  signal?: AbortSignal,
): Promise<{ data: Account[]; next_cursor: string | null }> {
  return client.request('GET', '/v1/admin/accounts', { query: { limit: page.limit, cursor: page.cursor }, ...(signal ? { signal } : {}) });
}

export function createAccount(client: GatewayClient, fields: { name: string; credits?: number }): Promise<Account> {
  return client.request('POST', '/v1/admin/accounts', { json: fields });
}

export function grantCredits(
  client: GatewayClient,
  accountId: string,
  amount: number,
  note: string,
): Promise<{ account: Account; amount: number; kind: 'grant' | 'adjust' }> {
  return client.request('POST', `/v1/admin/accounts/${encodeURIComponent(accountId)}/credits`, {
    json: note.trim() === '' ? { amount } : { amount, note: note.trim() },
  });
}

export async function providerHealth(
  client: GatewayClient,
  signal?: AbortSignal,
): Promise<{ window_calls: number; data: ProviderHealth[] }> {
  return client.request('GET', '/v1/admin/providers', signal ? { signal } : {});
}

export function adminConfig(client: GatewayClient, signal?: AbortSignal): Promise<AdminConfig> {
  return client.request('GET', '/v1/admin/config', signal ? { signal } : {});
}

export interface LedgerEntry {
  id: string;
  kind: string;
  amount_micros: number;
  amount: number;
  generation_id: string | null;
  note: string | null;
  created_at: string;
}

export function accountLedger(
  client: GatewayClient,
  accountId: string,
  limit: number,
  signal?: AbortSignal,
): Promise<{ account_id: string; data: LedgerEntry[]; next_cursor: string | null }> {
  return client.request('GET', `/v1/admin/accounts/${encodeURIComponent(accountId)}/ledger`, {
    query: { limit },
    ...(signal ? { signal } : {}),
  });
}
