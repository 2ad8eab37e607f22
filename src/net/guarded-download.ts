import type { LookupAddress, LookupOptions } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, request, type Dispatcher } from 'undici';
import type { AddressPolicy } from './address-policy.js';
import type { DownloadBudget } from './download-budget.js';
import { DownloadError } from './download-error.js';

export const DEFAULT_MAX_REDIRECTS = 5;

// Some CDNs refuse requests without a user agent; `accept` asks content-negotiating CDNs for an image.
const DEFAULT_HEADERS: Readonly<Record<string, string>> = { 'user-agent': 'imagerouter', accept: 'image/*,*/*;q=0.8' };
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const ALLOWED_PROTOCOLS = new Set(['http:', 'https:']);
const BLOCKED_HINT = 'Set IMAGEROUTER_URL_ALLOWLIST to allow it.';

export interface DownloadImageOptions {
  /** Which addresses may be reached; one per app, from `createAddressPolicy(config.urlAllowlist)`. */
  policy: AddressPolicy;
  /** Byte cap for the body; more is rejected without buffering past it. */
  maxBytes: number;
  /**
   * Bytes shared with the other downloads of the same request; every chunk is taken from it as it
   * arrives, so the effective cap is min(maxBytes, what the budget has left) at every moment.
   */
  budget?: DownloadBudget;
  /** Bound on the whole download: DNS, connect, headers, body and every redirect. */
  timeoutMs: number;
  /** Aborts the download; the rejection is then `signal.reason`, not a DownloadError. */
  signal?: AbortSignal;
  /** Redirects followed before `too_many_redirects`; default 5. */
  maxRedirects?: number;
  /** Extra request headers (e.g. a provider's CDN token); sent to the original origin only. */
  headers?: Record<string, string>;
  /** All addresses of a hostname; defaults to `dns.lookup(all)`. Injected by tests to simulate DNS. */
  resolveHost?: (hostname: string) => Promise<LookupAddress[]>;
}

export interface DownloadedImage {
  /** The body, exactly as received (never decoded or decompressed). */
  bytes: Buffer;
  /** The response's Content-Type, if any; callers sniff magic bytes rather than trust it. */
  contentType: string | undefined;
  /** The URL after redirects. */
  finalUrl: string;
}

/**
 * Downloads a URL the gateway did not configure itself (client image URLs, upstream result URLs):
 * http(s) only, no credentials in the URL, every address DNS returns checked against the policy and
 * the connection pinned to those checked addresses, redirects re-checked hop by hop, byte cap, timeout.
 * Throws DownloadError, or the caller's `signal.reason` when the caller aborts.
 */
export async function downloadImageUrl(url: string, options: DownloadImageOptions): Promise<DownloadedImage> {
  const callerSignal = options.signal;
  callerSignal?.throwIfAborted();
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(new DownloadError({ reason: 'timeout', message: `download timed out after ${options.timeoutMs} ms` }));
  }, options.timeoutMs);
  const onCallerAbort = (): void => controller.abort(callerSignal?.reason);
  callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  try {
    return await followRedirects(url, options, controller.signal);
  } catch (error) {
    // Once aborted, whatever undici threw (RequestAbortedError, a destroyed body) stands for the abort.
    if (controller.signal.aborted) throw controller.signal.reason;
    throw error;
  } finally {
    clearTimeout(timer);
    callerSignal?.removeEventListener('abort', onCallerAbort);
  }
}

async function followRedirects(url: string, options: DownloadImageOptions, signal: AbortSignal): Promise<DownloadedImage> {
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  let current = parseStartUrl(url);
  const originalOrigin = current.origin;
  let callerHeaders = lowerCaseKeys(options.headers ?? {});
  for (let redirects = 0; ; redirects += 1) {
    // Once a redirect leaves the original origin, the caller's headers (tokens) stay behind for good.
    if (current.origin !== originalOrigin) callerHeaders = {};
    const addresses = await checkedAddresses(current, redirects > 0, options, signal);
    const agent = pinnedAgent(current, addresses, options.timeoutMs);
    try {
      const response = await request(current, {
        method: 'GET',
        dispatcher: agent,
        headers: { ...DEFAULT_HEADERS, ...callerHeaders },
        signal,
      });
      const location = headerValue(response.headers, 'location');
      if (REDIRECT_STATUSES.has(response.statusCode) && location !== undefined) {
        discardBody(response.body);
        if (redirects >= maxRedirects) {
          throw new DownloadError({ reason: 'too_many_redirects', message: `download exceeded ${maxRedirects} redirects` });
        }
        current = parseRedirectUrl(location, current);
        continue;
      }
      if (response.statusCode < 200 || response.statusCode > 299) {
        discardBody(response.body);
        throw new DownloadError({
          reason: 'http_status',
          status: response.statusCode,
          message: `download failed with HTTP ${response.statusCode}`,
        });
      }
      const bytes = await readCapped(response, options.maxBytes, options.budget);
      return { bytes, contentType: headerValue(response.headers, 'content-type'), finalUrl: current.href };
    } catch (error) {
      if (error instanceof DownloadError || signal.aborted) throw error;
      throw networkError(error, current.host);
    } finally {
      // One agent per hop: closing it closes its socket, so nothing outlives the download.
      await agent.destroy();
    }
  }
}

/**
 * The addresses this hop may connect to, all checked. An IP-literal host is checked as written
 * (the URL parser has already turned `2130706433` or `0x7f.1` into `127.0.0.1`).
 */
export async function checkedAddresses(
  url: URL,
  redirected: boolean,
  options: Pick<DownloadImageOptions, 'policy' | 'resolveHost'>,
  signal: AbortSignal,
): Promise<LookupAddress[]> {
  const hostname = unbracketed(url.hostname);
  const literalFamily = isIP(hostname);
  let addresses: LookupAddress[];
  if (literalFamily !== 0) {
    addresses = [{ address: hostname, family: literalFamily }];
  } else {
    const resolveHost = options.resolveHost ?? resolveAllAddresses;
    try {
      addresses = await untilAborted(resolveHost(hostname), signal);
    } catch (error) {
      if (signal.aborted) throw error;
      throw new DownloadError({ reason: 'network', message: `download from ${url.host} failed: could not resolve the host`, cause: error });
    }
    if (addresses.length === 0) {
      throw new DownloadError({ reason: 'network', message: `download from ${url.host} failed: could not resolve the host` });
    }
  }
  // Every address, not just the first: the OS may pick any of them, and an attacker controls the order.
  const blocked = addresses.find((candidate) => !options.policy.isAllowed(candidate.address, hostname));
  if (blocked) {
    const verb = redirected ? 'redirects' : 'resolves';
    throw new DownloadError({
      reason: 'blocked_address',
      message: `URL is not allowed: it ${verb} to a private, loopback or link-local address (${blocked.address}). ${BLOCKED_HINT}`,
    });
  }
  return addresses;
}

function resolveAllAddresses(hostname: string): Promise<LookupAddress[]> {
  return dnsLookup(hostname, { all: true });
}

/**
 * An agent whose DNS lookup answers only with the addresses already checked, so a second DNS answer
 * (rebinding between check and connect) can never be used. The URL keeps the hostname, so the Host
 * header and TLS SNI/certificate checks still use it.
 */
export function pinnedAgent(url: URL, addresses: LookupAddress[], timeoutMs: number): Agent {
  const expectedHostname = unbracketed(url.hostname);
  const lookup: LookupFunction = (hostname: string, lookupOptions: LookupOptions, callback) => {
    const family = familyNumber(lookupOptions.family);
    const candidates = addresses.filter((candidate) => family === 0 || candidate.family === family);
    const first = candidates[0];
    if (hostname !== expectedHostname || first === undefined) {
      callback(Object.assign(new Error(`no checked address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      return;
    }
    if (lookupOptions.all) callback(null, candidates);
    else callback(null, first.address, first.family);
  };
  // autoSelectFamily: try every checked address (happy eyeballs), not only the first.
  return new Agent({ connect: { lookup, autoSelectFamily: true, timeout: timeoutMs } });
}

function familyNumber(family: LookupOptions['family']): number {
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  return 0;
}

/** Reads the body, failing as soon as the declared or received size passes the cap or the budget. */
async function readCapped(response: Dispatcher.ResponseData, maxBytes: number, budget: DownloadBudget | undefined): Promise<Buffer> {
  const fail = (error: DownloadError): never => {
    discardBody(response.body);
    throw error;
  };
  const declaredLength = Number(headerValue(response.headers, 'content-length'));
  if (Number.isFinite(declaredLength)) {
    if (declaredLength > maxBytes) fail(tooLarge(maxBytes));
    // Only an early refusal: concurrent downloads may still take what is left, so the chunks decide.
    if (budget && declaredLength > budget.remaining) fail(overBudget(budget));
  }
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (received > maxBytes) fail(tooLarge(maxBytes));
    if (budget && !budget.take(chunk.length)) fail(overBudget(budget));
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, received);
}

/** Closes a body we will not read. undici reports destroy() as an 'error' event, which must have a listener. */
function discardBody(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

function tooLarge(maxBytes: number): DownloadError {
  return new DownloadError({ reason: 'too_large', message: `download exceeded ${maxBytes} bytes` });
}

function overBudget(budget: DownloadBudget): DownloadError {
  return new DownloadError({
    reason: 'budget_exceeded',
    message: `download exceeded ${budget.limit} bytes, the most all downloads of one request may take together`,
  });
}

function parseStartUrl(url: string): URL {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  const problem = parsed ? urlShapeProblem(parsed) : 'is not a valid absolute URL';
  if (parsed === undefined || problem !== undefined) throw new DownloadError({ reason: 'invalid_url', message: `URL ${problem}` });
  return parsed;
}

function parseRedirectUrl(location: string, current: URL): URL {
  const parsed = URL.canParse(location, current.href) ? new URL(location, current) : undefined;
  const problem = parsed ? urlShapeProblem(parsed) : 'is not valid';
  if (parsed === undefined || problem !== undefined) {
    throw new DownloadError({ reason: 'invalid_url', message: `download from ${current.host} was redirected to a URL that ${problem}` });
  }
  return parsed;
}

/** Scheme and credential checks, applied to the first URL and every redirect target alike. */
function urlShapeProblem(url: URL): string | undefined {
  if (!ALLOWED_PROTOCOLS.has(url.protocol)) return `uses the '${url.protocol}' scheme; only http and https are allowed`;
  // Credentials in a URL would be sent as Basic auth: the downloader never sends credentials it was not given.
  if (url.username !== '' || url.password !== '') return 'contains a user name or password';
  return undefined;
}

/** Maps connection failures to fixed phrases: raw messages can name internal hosts or ports. */
function networkError(error: unknown, host: string): DownloadError {
  const code = errorCode(error);
  let problem = 'network error';
  if (code === 'ECONNREFUSED') problem = 'connection refused';
  else if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') problem = 'connection closed by the server';
  else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') problem = 'could not resolve the host';
  else if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') problem = 'connection timed out';
  else if (code !== undefined && (code.startsWith('ERR_TLS') || code.includes('CERT') || code.includes('SSL')))
    problem = 'TLS handshake failed';
  return new DownloadError({ reason: 'network', message: `download from ${host} failed: ${problem}`, cause: error });
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  if ('code' in error && typeof error.code === 'string') return error.code;
  // Happy eyeballs reports one AggregateError for all the addresses it tried.
  if (error instanceof AggregateError) return errorCode(error.errors[0]);
  return undefined;
}

function headerValue(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

function unbracketed(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/** DNS lookups cannot be cancelled; stop waiting for one when the download is aborted. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
