import { UpstreamError } from '../errors/upstream-error.js';
import type { AddressPolicy } from '../net/address-policy.js';
import { DownloadError } from '../net/download-error.js';
import { downloadImageUrl } from '../net/guarded-download.js';

/**
 * Upstream result URLs go through the same guarded downloader as client URLs. No credentials are
 * sent: image CDNs never see a provider key.
 */
export function createResultDownloader(options: { policy: AddressPolicy; maxBytes: number; timeoutMs: number }) {
  return async (url: string, provider: string, signal: AbortSignal): Promise<Buffer> => {
    try {
      const download = await downloadImageUrl(url, {
        policy: options.policy,
        maxBytes: options.maxBytes,
        timeoutMs: options.timeoutMs,
        signal,
      });
      return download.bytes;
    } catch (error) {
      if (!(error instanceof DownloadError)) throw error;
      const gone = error.reason === 'http_status' && (error.status === 404 || error.status === 410 || error.status === 403);
      throw new UpstreamError({
        provider,
        kind: error.reason === 'timeout' ? 'timeout' : 'upstream_error',
        message: gone
          ? `The provider '${provider}' returned a result URL that is no longer available.`
          : `Downloading the result of '${provider}' failed: ${error.message}`,
        ...(error.status === undefined ? {} : { upstreamStatus: error.status }),
        cause: error,
      });
    }
  };
}
