import type { ProbeResult, ProviderEndpoint } from '../provider.js';
import { errorText } from '../common/upstream-error-from-response.js';
import { upstreamFetch } from '../common/upstream-fetch.js';
import { recraftHeaders } from './recraft-request.js';

/**
 * `GET /users/me`: free, authenticated, and it reports the unit balance, which a token needs to be
 * positive to generate at all; a balance of zero is reported as a failed probe.
 */
export async function probeRecraft(endpoint: ProviderEndpoint, signal: AbortSignal): Promise<ProbeResult> {
  const url = `${endpoint.baseUrl}/users/me`;
  try {
    const response = await upstreamFetch({ provider: endpoint.instance, method: 'GET', url, headers: recraftHeaders(endpoint), signal });
    if (response.status !== 200) {
      const meaning = response.status === 401 ? ' (the token was refused)' : '';
      return { ok: false, detail: `GET ${url} answered HTTP ${response.status}${meaning}` };
    }
    const credits = readCredits(response.body);
    if (credits === undefined) return { ok: true, detail: `GET ${url} accepted the token` };
    if (credits <= 0) return { ok: false, detail: `GET ${url} accepted the token, but its balance is ${credits} API units` };
    return { ok: true, detail: `GET ${url} accepted the token; balance ${credits} API units` };
  } catch (error) {
    if (signal.aborted) throw error;
    return { ok: false, detail: `GET ${url} failed: ${errorText(error, [endpoint.apiKey])}` };
  }
}

function readCredits(body: Buffer): number | undefined {
  try {
    const json: unknown = JSON.parse(body.toString('utf8'));
    const credits = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)['credits'] : undefined;
    return typeof credits === 'number' ? credits : undefined;
  } catch {
    return undefined;
  }
}
