import type { ImageProvider, ProbeResult, ProviderEndpoint, ProviderResult } from '../provider.js';
import { errorText, malformedResponse } from '../common/upstream-error-from-response.js';
import { parseJsonBody, upstreamFetch } from '../common/upstream-fetch.js';
import { falErrorFromResponse } from './fal-errors.js';
import { prepareFalInputs } from './fal-input-images.js';
import { waitForFalResult } from './fal-queue.js';
import { falQueueUrls } from './fal-queue-urls.js';
import { buildFalSubmitRequest, falAuthHeaders, falEndpointFor, safetyCheckerSetting, type FalCall } from './fal-request.js';
import type { FalRouteOptions, FalSettings } from './fal-route-options.js';
import { falResultImages } from './fal-result.js';
import { readImageOutput, readQueueStatus } from './fal-wire-types.js';

/** Between status polls unless the route (`poll_interval_ms`) or the instance settings say otherwise. */
export const DEFAULT_POLL_INTERVAL_MS = 1_000;
/** fal's Platform API: the probe reads a price there (authenticated, free, generates nothing). */
export const DEFAULT_FAL_PLATFORM_URL = 'https://api.fal.ai/v1';
const PROBE_ENDPOINT_ID = 'fal-ai/flux/schnell';

/** The adapter for fal.ai's queue API (`queue.fal.run`): submit, poll, fetch, cancel on abort. */
export function createFalAdapter(): ImageProvider<FalRouteOptions, FalSettings> {
  return {
    id: 'fal',
    maxImagesPerCall: falMaxImagesPerCall,
    generate: generateWithFal,
    probe: probeFal,
  };
}

/** `num_images` bound of every endpoint the route may call (its model, edit and inpaint endpoints). */
function falMaxImagesPerCall(_upstreamModel: string, options: FalRouteOptions): number {
  return Math.min(
    options.profile.maxImagesPerCall,
    options.edit?.profile.maxImagesPerCall ?? Infinity,
    options.inpaint?.profile.maxImagesPerCall ?? Infinity,
  );
}

async function generateWithFal(call: FalCall): Promise<ProviderResult> {
  const provider = call.endpoint.instance;
  const secrets = [call.endpoint.apiKey];
  const { model: endpointId, profile } = falEndpointFor(call);
  const inputs = await prepareFalInputs(call.request, profile, { provider, endpointId });
  const submit = buildFalSubmitRequest({ call, endpointId, profile, images: inputs.images, mask: inputs.mask });
  const warnings = [...inputs.warnings, ...submit.warnings];
  const safetyCheckerOn = safetyCheckerSetting(call) !== false;

  const response = await upstreamFetch({
    provider,
    method: submit.method,
    url: submit.url,
    headers: submit.headers,
    body: JSON.stringify(submit.body),
    signal: call.signal,
  });
  if (response.status < 200 || response.status >= 300) throw falErrorFromResponse(provider, response, secrets);
  const submitted = parseJsonBody(response.body);
  const queued = readQueueStatus(submitted);
  if (!queued) {
    // A base URL on `fal.run` (synchronous) answers with the model output itself.
    if (readImageOutput(submitted)) return { images: falResultImages(provider, submitted, safetyCheckerOn), warnings };
    throw malformedResponse(provider, 'the submit response is neither a queue status nor a model output');
  }
  const urls = falQueueUrls(queued, call.endpoint.baseUrl, endpointId);
  if (!urls) throw malformedResponse(provider, 'the submit response has no request id');
  const output = await waitForFalResult({
    provider,
    urls,
    headers: falAuthHeaders(call.endpoint.apiKey),
    signal: call.signal,
    deadline: call.deadline,
    pollIntervalMs: pollIntervalMs(call),
    secrets,
  });
  return { images: falResultImages(provider, output, safetyCheckerOn), warnings };
}

function pollIntervalMs(call: Pick<FalCall, 'options' | 'endpoint'>): number {
  return call.options.pollIntervalMs ?? call.endpoint.settings.poll_interval_ms ?? DEFAULT_POLL_INTERVAL_MS;
}

/** Reads one model price from the Platform API: proves the key without generating (or paying for) anything. */
async function probeFal(endpoint: ProviderEndpoint<FalSettings>, signal: AbortSignal): Promise<ProbeResult> {
  const platformUrl = endpoint.settings.platform_url?.replace(/\/+$/, '') ?? DEFAULT_FAL_PLATFORM_URL;
  const url = `${platformUrl}/models/pricing?endpoint_id=${encodeURIComponent(PROBE_ENDPOINT_ID)}`;
  try {
    const response = await upstreamFetch({
      provider: endpoint.instance,
      method: 'GET',
      url,
      headers: falAuthHeaders(endpoint.apiKey),
      signal,
    });
    if (response.status >= 200 && response.status < 300)
      return { ok: true, detail: `GET ${url} answered HTTP ${response.status}: the key is accepted.` };
    const error = falErrorFromResponse(endpoint.instance, response, [endpoint.apiKey]);
    return { ok: false, detail: `GET ${url} failed (${error.kind}): ${error.message}` };
  } catch (error) {
    if (signal.aborted) throw error;
    return { ok: false, detail: `GET ${url} failed: ${errorText(error, [endpoint.apiKey])}` };
  }
}
