import type { GatewayClient } from './gateway-client';

/** `GET /v1/key`: the signed-in key and its account. */
export interface KeyInfo {
  id: string;
  name: string;
  prefix: string;
  scopes: Array<'generate' | 'read' | 'admin'>;
  admin: boolean;
  expires_at: number | null;
  spend_limit: {
    limit_micros: number;
    limit: number;
    period: 'day' | 'week' | 'month';
    period_start: number;
    period_spend_micros: number;
    period_spend: number;
    resets_at: number;
  } | null;
  requests_per_minute: number | null;
  max_concurrent_generations: number | null;
  account: { id: string; name: string; unlimited: boolean; balance_micros: number | null; balance: number | null };
}

export function fetchKeyInfo(client: GatewayClient): Promise<KeyInfo> {
  return client.request<KeyInfo>('GET', '/v1/key');
}
