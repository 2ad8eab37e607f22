import type { GatewayClient } from './gateway-client';

/*
 * API keys: a user manages its own account's keys (/v1/keys), an admin every key (/v1/admin/keys,
 * which also takes an account and starting credits). Both answer the same key object.
 */

export type Scope = 'generate' | 'read' | 'admin';
export type SpendPeriod = 'day' | 'week' | 'month';

/** A key's spend limit and what it spent in the current period, as every key object carries it. */
export interface KeySpendLimit {
  limit_micros: number;
  limit: number;
  period: SpendPeriod;
  period_start: number;
  period_spend_micros: number;
  period_spend: number;
  resets_at: number;
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  admin: boolean;
  scopes: Scope[];
  account_id: string;
  balance_micros: number | null;
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
  expires_at: number | null;
  expired: boolean;
  spend_limit: KeySpendLimit | null;
  requests_per_minute: number | null;
  max_concurrent_generations: number | null;
}

/** The answer to a create: the key object plus the secret, shown this once. */
export type CreatedApiKey = ApiKey & { key: string };

export interface NewKeyFields {
  name: string;
  scopes?: Scope[];
  expires_at?: string;
  spend_limit?: number;
  spend_limit_period?: SpendPeriod;
  requests_per_minute?: number;
  max_concurrent_generations?: number;
  /** Admin only. */
  account_id?: string;
  /** Admin only, USD; absent = unlimited. */
  credits?: number;
}

const base = (admin: boolean) => (admin ? '/v1/admin/keys' : '/v1/keys');

export async function listKeys(client: GatewayClient, admin: boolean, signal?: AbortSignal): Promise<ApiKey[]> {
  return (await client.request<{ data: ApiKey[] }>('GET', base(admin), signal ? { signal } : {})).data;
}

export function createKey(client: GatewayClient, admin: boolean, fields: NewKeyFields): Promise<CreatedApiKey> {
  return client.request('POST', base(admin), { json: fields });
}

export function revokeKey(client: GatewayClient, admin: boolean, id: string): Promise<{ id: string; revoked: boolean }> {
  return client.request('DELETE', `${base(admin)}/${encodeURIComponent(id)}`);
}

export function keyState(key: ApiKey): 'revoked' | 'expired' | 'active' {
  if (key.revoked_at !== null) return 'revoked';
  if (key.expired) return 'expired';
  return 'active';
}
