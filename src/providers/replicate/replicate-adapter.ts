import { UpstreamError } from '../../errors/upstream-error.js';
import type { ImageRequest } from '../../domain/image-request.js';
import type { ImageFormat } from '../../domain/image-format.js';
import type { ImageProvider, ProbeResult, ProviderEndpoint, ProviderResult } from '../provider.js';
import { abortableSleep } from '../common/abortable-sleep.js';
import { convertMask, prepareInputImage } from '../common/input-image-conversion.js';
import { parseRetryAfter } from '../common/retry-after.js';
import { errorText, malformedResponse, redactSecrets, upstreamErrorFromResponse } from '../common/upstream-error-from-response.js';
import { parseJsonBody, upstreamFetch, type UpstreamResponse } from '../common/upstream-fetch.js';
import { replicateAuthorization } from './replicate-authorization.js';
import { replicateHasModel } from './replicate-model-check.js';
import { imagesOfPrediction, outputStrings, predictionFailure, trustedPredictionUrl } from './replicate-prediction-output.js';
import { buildReplicateRequest, imagesPerPrediction, type PreparedInputs, type ReplicateCall } from './replicate-request.js';
import {
  resolveReplicateRoute,
  type ReplicateModelProfile,
  type ReplicateRouteOptions,
  type ReplicateSettings,
  type ResolvedReplicateRoute,
} from './replicate-route-options.js';
import { isTerminal, parseAccountName, parsePrediction, parseProblemDetails, type Prediction } from './replicate-wire-types.js';

/** Formats Replicate models read from data URIs; others are re-encoded (PNG). */
const INPUT_FORMATS: ReadonlyArray<ImageFormat> = ['png', 'jpeg', 'webp'];
/** Consecutive failed polls (429, 5xx, network) tolerated before giving up on a running prediction. */
const MAX_POLL_FAILURES = 3;
/** The best-effort cancel gets its own short budget: the call's signal has already aborted. */
const CANCEL_TIMEOUT_MS = 5_000;
/** Prediction objects echo data-URI inputs back, so they can be large; anything beyond is refused. */
const MAX_PREDICTION_BYTES = 64 * 1024 * 1024;

/**
 * Replicate predictions API: create (sync wait up to the deadline), poll `urls.get` until the
 * prediction ends, cancel it when the caller gives up. Outputs are URLs on replicate.delivery that
 * the gateway downloads without the token.
 */
export function createReplicateAdapter(): ImageProvider<ReplicateRouteOptions, ReplicateSettings> {
  return {
    id: 'replicate',
    maxImagesPerCall: (_upstreamModel, options) => imagesPerPrediction(options.profile),
    generate: generateWithReplicate,
    probe: probeReplicate,
    hasModel: replicateHasModel,
  };
}

async function generateWithReplicate(call: ReplicateCall): Promise<ProviderResult> {
  const provider = call.endpoint.instance;
  const secrets = [call.endpoint.apiKey];
  const route = resolveReplicateRoute(call.options, call.endpoint.settings);
  const prepared = await prepareInputs(call.request, route.profile);
  const request = buildReplicateRequest(call, route, prepared, Date.now());
  // The call's own deadline bounds every wait even if the caller's signal never fires.
  const deadlineSignal = AbortSignal.timeout(Math.max(0, call.deadline - Date.now()));
  const signal = AbortSignal.any([call.signal, deadlineSignal]);
  const wanted = Math.min(call.n, imagesPerPrediction(route.profile));

  let created: Prediction | undefined;
  let finished: Prediction;
  try {
    const response = await upstreamFetch({
      provider,
      method: 'POST',
      url: request.url,
      headers: request.headers,
      body: JSON.stringify(request.body),
      signal,
      maxBodyBytes: MAX_PREDICTION_BYTES,
    });
    created = predictionOf(provider, response, secrets);
    finished = await waitForPrediction(call, route, created, signal, wanted);
  } catch (error) {
    // Stop the prediction (and its billing) when we stop waiting for it.
    if (created && !isTerminal(created.status)) cancelInBackground(call, created);
    if (call.signal.aborted) throw call.signal.reason as Error;
    if (deadlineSignal.aborted)
      throw new UpstreamError({
        provider,
        kind: 'timeout',
        message: `The provider '${provider}' did not finish the prediction before the request deadline.`,
        cause: error,
      });
    throw error;
  }
  // A non-terminal prediction only gets here with all its outputs.
  if (isTerminal(finished.status) && finished.status !== 'succeeded') throw predictionFailure(provider, finished, secrets);
  const images = imagesOfPrediction(provider, finished, secrets);
  const cost =
    route.usdPerSecond !== undefined && finished.predictTimeSeconds !== undefined
      ? Math.round(finished.predictTimeSeconds * route.usdPerSecond * 1e6)
      : undefined;
  return { images, warnings: request.warnings, ...(cost === undefined ? {} : { reportedCostMicros: cost }) };
}

/**
 * Polls until the prediction ends. File outputs may be complete while the status still says
 * `processing` (documented); once every wanted output is there the wait is over.
 */
async function waitForPrediction(
  call: ReplicateCall,
  route: ResolvedReplicateRoute,
  created: Prediction,
  signal: AbortSignal,
  wanted: number,
): Promise<Prediction> {
  const provider = call.endpoint.instance;
  const pollUrl = trustedPredictionUrl(provider, call.endpoint.baseUrl, created.getUrl, `/predictions/${encodeURIComponent(created.id)}`);
  let prediction = created;
  let failures = 0;
  let delayMs = route.pollIntervalMs;
  while (!isTerminal(prediction.status) && (outputStrings(prediction)?.length ?? 0) < wanted) {
    await abortableSleep(delayMs, signal);
    delayMs = route.pollIntervalMs;
    let response: UpstreamResponse;
    try {
      response = await upstreamFetch({
        provider,
        method: 'GET',
        url: pollUrl,
        headers: replicateAuthorization(call.endpoint),
        signal,
        maxBodyBytes: MAX_PREDICTION_BYTES,
      });
    } catch (error) {
      // A dropped poll is no reason to abandon a prediction that is running (and billing).
      if (error instanceof UpstreamError && error.retryable && !signal.aborted && ++failures <= MAX_POLL_FAILURES) continue;
      throw error;
    }
    if ((response.status === 429 || response.status >= 500) && ++failures <= MAX_POLL_FAILURES) {
      delayMs = Math.max(route.pollIntervalMs, parseRetryAfter(response.headers) ?? 0);
      continue;
    }
    prediction = predictionOf(provider, response, [call.endpoint.apiKey]);
    failures = 0;
  }
  return prediction;
}

/** A 2xx prediction object, or the upstream's error mapped by status. */
function predictionOf(provider: string, response: UpstreamResponse, secrets: ReadonlyArray<string | undefined>): Prediction {
  const body = parseJsonBody(response.body);
  if (response.status < 200 || response.status > 299) {
    const problem = parseProblemDetails(body);
    throw upstreamErrorFromResponse(provider, response, { upstreamMessage: problem.detail ?? problem.title, secrets });
  }
  const prediction = parsePrediction(body);
  if (!prediction) throw malformedResponse(provider, body === undefined ? 'the body is not JSON' : 'no prediction id or status');
  return prediction;
}

function cancelInBackground(call: ReplicateCall, prediction: Prediction): void {
  let url: string;
  try {
    url = trustedPredictionUrl(
      call.endpoint.instance,
      call.endpoint.baseUrl,
      prediction.cancelUrl,
      `/predictions/${encodeURIComponent(prediction.id)}/cancel`,
    );
  } catch {
    return;
  }
  // Best effort: `Cancel-After` stops it at the deadline anyway if this does not get through.
  void upstreamFetch({
    provider: call.endpoint.instance,
    method: 'POST',
    url,
    headers: replicateAuthorization(call.endpoint),
    signal: AbortSignal.timeout(CANCEL_TIMEOUT_MS),
  }).catch(() => undefined);
}

/** Image 1 with EXIF applied, and the mask in the model's convention at image 1's size. */
async function prepareInputs(request: ImageRequest, profile: ReplicateModelProfile): Promise<PreparedInputs> {
  const first = request.images[0];
  if (!first || !profile.image) return {};
  const image = await prepareInputImage(first, { formats: INPUT_FORMATS });
  if (!request.mask || !profile.mask) return { image };
  return { image, mask: await convertMask(request.mask, { width: first.width, height: first.height }, profile.mask.convention) };
}

/** `GET /account`: the cheapest authenticated call (free, no prediction). */
async function probeReplicate(endpoint: ProviderEndpoint<ReplicateSettings>, signal: AbortSignal): Promise<ProbeResult> {
  const secrets = [endpoint.apiKey];
  try {
    const response = await upstreamFetch({
      provider: endpoint.instance,
      method: 'GET',
      url: `${endpoint.baseUrl}/account`,
      headers: replicateAuthorization(endpoint),
      signal,
      maxBodyBytes: 1024 * 1024,
    });
    const body = parseJsonBody(response.body);
    if (response.status === 200) {
      const account = parseAccountName(body);
      return { ok: true, detail: `GET /account → 200${account ? ` (account '${redactSecrets(account, secrets)}')` : ''}` };
    }
    const problem = parseProblemDetails(body);
    const message = problem.detail ?? problem.title;
    return {
      ok: false,
      detail: `GET /account → HTTP ${response.status}${message ? `: ${redactSecrets(message, secrets).slice(0, 200)}` : ''}`,
    };
  } catch (error) {
    if (signal.aborted) throw signal.reason as Error;
    return { ok: false, detail: `GET /account failed: ${errorText(error, secrets)}` };
  }
}
