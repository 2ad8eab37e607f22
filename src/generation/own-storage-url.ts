/** How this gateway is reached: its public URL, and the port it listens on (for loopback URLs). */
export interface OwnOrigins {
  publicUrl: string;
  port: number;
  /** Other prefixes our images are handed out under, `{base}{file}`: `S3_PUBLIC_URL/`, the bucket's object URLs. */
  objectUrlBases?: readonly string[];
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The stored file (`{id}.{ext}`) a URL names when it is one of this gateway's hosted images:
 * `{PUBLIC_URL}/storage/{file}`, or `http://localhost|127.0.0.1|[::1]:{PORT}/storage/{file}` when
 * the gateway is reached directly, or `{base}{file}` for one of `objectUrlBases` (a public or
 * presigned bucket URL; its query, such as a signature, is ignored). Such URLs are read from
 * storage, never fetched: an agent that edits its own result must not need the operator to
 * allowlist the gateway's own address or its bucket's.
 */
export function ownStoredFile(value: string, origins: OwnOrigins): string | undefined {
  let url: URL;
  let base: URL;
  try {
    url = new URL(value);
    base = new URL(origins.publicUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password) return undefined;
  for (const objectBase of origins.objectUrlBases ?? []) {
    const file = fileUnder(url, objectBase);
    if (file !== undefined) return file;
  }
  const publicPrefix = `${base.pathname.replace(/\/+$/, '')}/storage/`;
  const viaPublicUrl = url.origin === base.origin && url.pathname.startsWith(publicPrefix);
  const direct =
    LOOPBACK_HOSTS.has(url.hostname) &&
    url.protocol === 'http:' &&
    Number(url.port || 80) === origins.port &&
    url.pathname.startsWith('/storage/');
  if (!viaPublicUrl && !direct) return undefined;
  const file = url.pathname.slice((viaPublicUrl ? publicPrefix : '/storage/').length);
  return file !== '' && !file.includes('/') ? file : undefined;
}

/** `file` when `url` is `{base}{file}` (query aside) and `file` is one path segment. */
function fileUnder(url: URL, base: string): string | undefined {
  let prefix: URL;
  try {
    prefix = new URL(base);
  } catch {
    return undefined;
  }
  if (url.origin !== prefix.origin || !url.pathname.startsWith(prefix.pathname)) return undefined;
  const file = url.pathname.slice(prefix.pathname.length);
  return file !== '' && !file.includes('/') ? file : undefined;
}
