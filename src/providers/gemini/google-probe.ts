import type { ProbeResult, ProviderEndpoint } from '../provider.js';
import { errorText } from '../common/upstream-error-from-response.js';
import { upstreamFetch } from '../common/upstream-fetch.js';
import { googleAuthHeaders, googleModelsUrl, googleModelUrl, isVertexEndpoint, type GoogleSettings } from './google-endpoint.js';
import { googleUpstreamError } from './google-error.js';
import { requestGoogleModelsPage } from './google-model-list.js';

/** Vertex has no cheap project-scoped model list; counting tokens of one word is free and authenticated. */
const DEFAULT_VERTEX_PROBE_MODEL = 'gemini-2.5-flash-image';

/**
 * `imagerouter doctor`'s check of a Google endpoint (Gemini or Imagen): the Developer API lists
 * one model; Vertex counts the tokens of a one-word prompt on `settings.probe_model`. Both cost
 * nothing and fail exactly like a generation would on a bad key, project or region.
 */
export async function probeGoogleEndpoint(endpoint: ProviderEndpoint<GoogleSettings>, signal: AbortSignal): Promise<ProbeResult> {
  const vertex = isVertexEndpoint(endpoint);
  const probeModel = endpoint.settings.probe_model ?? DEFAULT_VERTEX_PROBE_MODEL;
  const url = vertex ? googleModelUrl(endpoint.baseUrl, probeModel, 'countTokens') : `${googleModelsUrl(endpoint.baseUrl)}?pageSize=1`;
  const what = vertex ? `POST ${url}` : `GET ${url}`;
  try {
    const response = vertex
      ? await upstreamFetch({
          provider: endpoint.instance,
          method: 'POST',
          url,
          headers: { ...googleAuthHeaders(endpoint), 'content-type': 'application/json' },
          body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'ping' }] }] }),
          signal,
          maxBodyBytes: 1024 * 1024,
        })
      : await requestGoogleModelsPage(endpoint, { pageSize: 1 }, signal);
    if (response.status >= 200 && response.status < 300) return { ok: true, detail: `${what} answered ${response.status}` };
    const error = googleUpstreamError(endpoint.instance, response, [endpoint.apiKey]);
    return { ok: false, detail: `${what}: ${error.message} (${error.kind})` };
  } catch (error) {
    return { ok: false, detail: `${what} failed: ${errorText(error, [endpoint.apiKey])}` };
  }
}
