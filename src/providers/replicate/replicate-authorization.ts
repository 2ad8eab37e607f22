import type { ProviderEndpoint } from '../provider.js';

/** Replicate's auth header (Bearer; `Token` is the legacy form it still accepts). */
export function replicateAuthorization(endpoint: Pick<ProviderEndpoint, 'apiKey'>): Record<string, string> {
  return endpoint.apiKey === undefined ? {} : { authorization: `Bearer ${endpoint.apiKey}` };
}
