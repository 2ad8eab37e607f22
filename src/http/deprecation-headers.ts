import { startOfUtcDay, type ModelLifecycle } from '../catalog/model-lifecycle.js';

/**
 * A deprecated model's response headers: `Deprecation` (RFC 9745, `@<unix seconds>`) from its
 * `deprecated_on`, `Sunset` (RFC 8594, an HTTP-date) from its `retires_on`, and a `Link` to the
 * successor's catalog entry, so clients and proxies can notice without reading the body.
 */
export function deprecationHeaders(lifecycle: ModelLifecycle, publicUrl: string): Record<string, string> {
  const headers: Record<string, string> = {};
  if (lifecycle.deprecatedOn !== null) headers['Deprecation'] = `@${startOfUtcDay(lifecycle.deprecatedOn) / 1000}`;
  if (lifecycle.retiresOn !== null) headers['Sunset'] = new Date(startOfUtcDay(lifecycle.retiresOn)).toUTCString();
  if (lifecycle.successor !== null) {
    headers['Link'] = `<${publicUrl}/v1/models/${encodeURIComponent(lifecycle.successor)}>; rel="successor-version"`;
  }
  return headers;
}
