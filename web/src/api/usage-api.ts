import type { GatewayClient, QueryValue } from './gateway-client';

/*
 * Usage over the gateway: a normal key reads its own account (GET /v1/usage), an admin key every
 * account (GET /v1/admin/usage, with an optional account filter). Same query and shapes on both.
 */

export const USAGE_STATUSES = ['success', 'error', 'processing'] as const;
export type UsageStatus = (typeof USAGE_STATUSES)[number];

export interface UsageFilters {
  model?: string;
  status?: UsageStatus | '';
  api_key_id?: string;
  /** Admin only. */
  account_id?: string;
  /** `YYYY-MM-DD`, UTC, inclusive. */
  from?: string;
  /** `YYYY-MM-DD`, UTC, inclusive (sent as the next day, exclusive). */
  to?: string;
}

export interface UsageRow {
  id: string;
  created_at: string;
  account_id: string;
  api_key_id: string;
  model: string;
  provider: string | null;
  status: UsageStatus;
  n: number;
  images: number;
  cost_micros: number;
  cost: number;
  latency_ms: number | null;
  error_type: string | null;
}

export interface UsageTotal {
  key: string | null;
  count: number;
  images: number;
  cost_micros: number;
  cost: number;
}

export interface UsageTotals {
  group_by: UsageGroup;
  data: UsageTotal[];
  total: { count: number; images: number; cost_micros: number; cost: number };
}

export type UsageGroup = 'day' | 'model' | 'api_key' | 'provider';

export function usagePath(admin: boolean): string {
  return admin ? '/v1/admin/usage' : '/v1/usage';
}

/** The filters as the gateway's query: dates become UTC instants, the end day included. */
export function usageQuery(filters: UsageFilters): Record<string, QueryValue> {
  return {
    model: filters.model?.trim(),
    status: filters.status,
    api_key_id: filters.api_key_id,
    account_id: filters.account_id,
    from: filters.from ? `${filters.from}T00:00:00Z` : undefined,
    to: filters.to ? `${nextDay(filters.to)}T00:00:00Z` : undefined,
  };
}

export function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

export function listUsage(
  client: GatewayClient,
  admin: boolean,
  filters: UsageFilters,
  page: { limit: number; cursor?: string | undefined },
  signal?: AbortSignal,
): Promise<{ data: UsageRow[]; next_cursor: string | null }> {
  return client.request('GET', usagePath(admin), {
    query: { ...usageQuery(filters), limit: page.limit, cursor: page.cursor },
    ...(signal ? { signal } : {}),
  });
}

export function usageTotals(
  client: GatewayClient,
  admin: boolean,
  filters: UsageFilters,
  groupBy: UsageGroup,
  signal?: AbortSignal,
): Promise<UsageTotals> {
  return client.request('GET', usagePath(admin), { query: { ...usageQuery(filters), group_by: groupBy }, ...(signal ? { signal } : {}) });
}

/** Every matching row as CSV text (the gateway streams it). */
export async function usageCsv(client: GatewayClient, admin: boolean, filters: UsageFilters): Promise<Blob> {
  const response = await client.fetchRaw('GET', usagePath(admin), { query: { ...usageQuery(filters), format: 'csv' } });
  return response.blob();
}
