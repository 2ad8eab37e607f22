import type { ProbeResult, ProviderEndpoint } from '../provider.js';
import { errorText } from '../common/upstream-error-from-response.js';
import { upstreamFetch } from '../common/upstream-fetch.js';
import { ideogramHeaders } from './ideogram-request.js';

/** An id no generation has: Ideogram checks the key first, then answers 404 for the unknown id. */
const PROBE_GENERATION_ID = 'imagerouter-doctor-probe';

/**
 * `GET /v1/generations/{id}` for an id that does not exist: Ideogram has no models or credits
 * listing, and this is its only request that is free and authenticated. A 404 means the key was
 * accepted; a 401 or 403 that it was not.
 */
export async function probeIdeogram(endpoint: ProviderEndpoint, signal: AbortSignal): Promise<ProbeResult> {
  const url = `${endpoint.baseUrl}/v1/generations/${PROBE_GENERATION_ID}`;
  try {
    const response = await upstreamFetch({ provider: endpoint.instance, method: 'GET', url, headers: ideogramHeaders(endpoint), signal });
    if (response.status === 404) return { ok: true, detail: `GET ${url} answered 404 for an unknown generation: the key is accepted` };
    const meaning = response.status === 401 ? ' (the key was refused)' : response.status === 403 ? ' (the key is not entitled)' : '';
    return { ok: false, detail: `GET ${url} answered HTTP ${response.status}${meaning}` };
  } catch (error) {
    if (signal.aborted) throw error;
    return { ok: false, detail: `GET ${url} failed: ${errorText(error, [endpoint.apiKey])}` };
  }
}
