import type { FalQueueStatus } from './fal-wire-types.js';

/** Where one queued request is watched, fetched and cancelled. */
export interface FalQueueUrls {
  statusUrl: string;
  responseUrl: string;
  cancelUrl: string;
}

/** Ids under these namespaces carry one more leading segment (`workflows/owner/app/...`). */
const NAMESPACES: ReadonlySet<string> = new Set(['workflows', 'comfy']);

/**
 * `owner/app` of an endpoint id: the queue serves status, result and cancel under the app only,
 * without the sub-path (`fal-ai/flux/dev/image-to-image` → `fal-ai/flux`). Building these URLs with
 * the full id is the classic fal bug (404 on every poll).
 */
export function falAppPath(endpointId: string): string {
  const segments = endpointId.split('/').filter(Boolean);
  const length = NAMESPACES.has(segments[0] ?? '') ? 3 : 2;
  return segments.slice(0, length).join('/');
}

/**
 * The URLs of a submitted request. fal says to use the ones it returns; they carry our key, so each
 * must be on the configured base's origin or on fal's own `https://*.fal.run`. A missing or foreign
 * URL is replaced by the documented one built from the request id; without an id, `undefined`.
 */
export function falQueueUrls(submitted: FalQueueStatus, baseUrl: string, endpointId: string): FalQueueUrls | undefined {
  const requestId = submitted.request_id;
  const built = requestId === undefined ? undefined : `${baseUrl}/${falAppPath(endpointId)}/requests/${encodeURIComponent(requestId)}`;
  const pick = (returned: string | undefined, suffix: string): string | undefined => {
    if (returned !== undefined && isTrustedQueueUrl(returned, baseUrl)) return returned;
    return built === undefined ? undefined : `${built}${suffix}`;
  };
  const statusUrl = pick(submitted.status_url, '/status');
  const responseUrl = pick(submitted.response_url, '');
  const cancelUrl = pick(submitted.cancel_url, '/cancel');
  if (statusUrl === undefined || responseUrl === undefined || cancelUrl === undefined) return undefined;
  return { statusUrl, responseUrl, cancelUrl };
}

/** Safe to send the key to: the configured base's origin, or fal itself over HTTPS. */
export function isTrustedQueueUrl(candidate: string, baseUrl: string): boolean {
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '') return false;
  if (url.origin === new URL(baseUrl).origin) return true;
  return url.protocol === 'https:' && (url.hostname === 'fal.run' || url.hostname.endsWith('.fal.run'));
}
