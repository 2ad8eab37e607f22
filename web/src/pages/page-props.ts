import type { GatewayClient } from '../api/gateway-client';
import type { KeyInfo } from '../api/key-info';

/** What every page gets from the shell. */
export interface PageProps {
  client: GatewayClient;
  /** The signed-in key and its account. */
  me: KeyInfo;
  /** Re-reads `me` (after spending or granting credits). */
  refreshMe: () => void;
}
