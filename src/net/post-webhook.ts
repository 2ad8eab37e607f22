import type { LookupAddress } from 'node:dns';
import { request } from 'undici';
import type { AddressPolicy } from './address-policy.js';
import { DownloadError } from './download-error.js';
import { checkedAddresses, pinnedAgent } from './guarded-download.js';

export interface PostWebhookOptions {
  policy: AddressPolicy;
  /** Bound on the whole POST: DNS, connect, the receiver's answer. */
  timeoutMs: number;
  /** All addresses of a hostname; defaults to `dns.lookup(all)`. */
  resolveHost?: (hostname: string) => Promise<LookupAddress[]>;
}

/** How a POST ended: the receiver's status, or why there was none (a phrase safe to show the account). */
export type PostWebhookResult = { status: number; error: null } | { status: null; error: string };

/**
 * POSTs a webhook body under the guarded downloader's rules: http(s) only, every address the host
 * resolves to checked against the policy and the connection pinned to them. Redirects are not
 * followed (a 3xx is a failed attempt), so a receiver can't bounce the POST to an internal address.
 * Never throws for the receiver's failures; the response body is read and discarded, never kept.
 */
export async function postWebhook(
  url: string,
  body: Buffer,
  headers: Record<string, string>,
  options: PostWebhookOptions,
): Promise<PostWebhookResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  const target = new URL(url);
  let agent: ReturnType<typeof pinnedAgent> | undefined;
  try {
    const addresses = await checkedAddresses(target, false, options, controller.signal);
    agent = pinnedAgent(target, addresses, options.timeoutMs);
    const response = await request(target, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'user-agent': 'imagerouter-webhooks', ...headers },
      body,
      signal: controller.signal,
    });
    // Drained, not kept: a receiver's answer says nothing we store.
    await response.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
    return { status: response.statusCode, error: null };
  } catch (error) {
    if (controller.signal.aborted) return { status: null, error: `no answer within ${options.timeoutMs} ms` };
    if (error instanceof DownloadError) return { status: null, error: error.message };
    return { status: null, error: `POST to ${target.host} failed: ${connectionProblem(error)}` };
  } finally {
    clearTimeout(timer);
    await agent?.destroy();
  }
}

/** Fixed phrases: raw messages can name internal hosts or ports. */
function connectionProblem(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  const inner = error instanceof AggregateError ? connectionProblem(error.errors[0]) : undefined;
  if (inner !== undefined && inner !== 'network error') return inner;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') return 'connection closed by the receiver';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'could not resolve the host';
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') return 'connection timed out';
  if (code !== undefined && (code.startsWith('ERR_TLS') || code.includes('CERT') || code.includes('SSL'))) return 'TLS handshake failed';
  return 'network error';
}
