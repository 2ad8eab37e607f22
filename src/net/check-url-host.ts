import type { LookupAddress } from 'node:dns';
import type { AddressPolicy } from './address-policy.js';
import { checkedAddresses } from './guarded-download.js';

/**
 * Resolves a URL's host and checks every address against the policy, as a download or webhook
 * POST to it would. Throws DownloadError (`blocked_address`, `network`) when it could not be reached.
 */
export async function checkUrlHost(
  url: string,
  options: { policy: AddressPolicy; signal: AbortSignal; resolveHost?: (hostname: string) => Promise<LookupAddress[]> },
): Promise<void> {
  await checkedAddresses(new URL(url), false, options, options.signal);
}
