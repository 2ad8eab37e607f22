import type { GatewayClient } from './gateway-client';
import type { KeySpendLimit, Scope } from './keys-api';

/** `GET /v1/key`: the signed-in key and its account. */
export interface KeyInfo {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  admin: boolean;
  expires_at: number | null;
  spend_limit: KeySpendLimit | null;
  requests_per_minute: number | null;
  max_concurrent_generations: number | null;
  account: { id: string; name: string; unlimited: boolean; balance_micros: number | null; balance: number | null };
}

export function fetchKeyInfo(client: GatewayClient): Promise<KeyInfo> {
  return client.request<KeyInfo>('GET', '/v1/key');
}
