import { UpstreamError } from '../../errors/upstream-error.js';
import type { ImageRequest } from '../../domain/image-request.js';
import type { ImageFormat } from '../../domain/image-format.js';
import type { ImageProvider, ProbeResult, ProviderCall, ProviderEndpoint, ProviderResult } from '../provider.js';
import { convertMask, prepareInputImage } from '../common/input-image-conversion.js';
import { errorText, malformedResponse, redactSecrets } from '../common/upstream-error-from-response.js';
import { parseJsonBody, upstreamFetch } from '../common/upstream-fetch.js';
import { bflHttpError } from './bfl-errors.js';
import type { BflModelSpec, BflRouteOptions, BflSettings } from './bfl-route-options.js';
import { mayReceiveKey, pollBflTask, pollIntervalMs, resolvePollingUrl } from './bfl-polling.js';
import { buildBflRequest, type BflPreparedInputs, type BflRequest } from './bfl-request.js';
import { readCredits, readErrorMessage, readSubmitResponse } from './bfl-wire-types.js';

/** Formats BFL decodes from base64 input images; others (GIF, AVIF, TIFF) are re-encoded as PNG. */
const INPUT_FORMATS: ReadonlyArray<ImageFormat> = ['png', 'jpeg', 'webp'];
/** 1 credit = $0.01 = 10,000 micro-USD. */
const MICROS_PER_CREDIT = 10_000;

/**
 * Black Forest Labs' FLUX API: `POST {base}/{endpoint}` with `x-key`, then poll the returned
 * `polling_url` until the task is `Ready`. One image per task; the result is a signed URL valid
 * for 10 minutes, which the gateway downloads at once (without the key).
 */
export function createBflAdapter(): ImageProvider<BflRouteOptions, BflSettings> {
  return {
    id: 'bfl',
    maxImagesPerCall: () => 1,
    generate: generateWithBfl,
    probe: probeBfl,
  };
}

type BflCall = ProviderCall<BflRouteOptions, BflSettings>;

interface TaskOutcome {
  sample: string;
  costCredits: number | undefined;
}

async function generateWithBfl(call: BflCall): Promise<ProviderResult> {
  const request = buildBflRequest(call, await prepareInputs(call.request, call.options.spec));
  // The router asks one image per call; should a caller ask more, each image is its own task.
  const outcomes = await Promise.all(Array.from({ length: Math.max(1, call.n) }, () => runTask(call, request)));
  const costs = outcomes.map((outcome) => outcome.costCredits);
  const reported = costs.every((cost): cost is number => cost !== undefined)
    ? { reportedCostMicros: costs.reduce((sum, cost) => sum + Math.round(cost * MICROS_PER_CREDIT), 0) }
    : {};
  return { images: outcomes.map((outcome) => ({ url: outcome.sample })), warnings: request.warnings, ...reported };
}

/** EXIF applied and formats BFL reads; Fill's mask converted to white = edit at the image's size. */
async function prepareInputs(request: ImageRequest, spec: BflModelSpec): Promise<BflPreparedInputs> {
  const images = await Promise.all(
    request.images.map(async (image) => {
      const prepared = await prepareInputImage(image, { formats: INPUT_FORMATS });
      // InputImage sizes are as displayed, which is what the EXIF-applied bytes show.
      return { bytes: prepared.bytes, width: image.width, height: image.height, hasAlpha: image.hasAlpha };
    }),
  );
  const first = images[0];
  let mask: Buffer | undefined;
  if (request.mask) {
    // An endpoint without masks gets the raw bytes only so that the builder can refuse them.
    mask = spec.mask && first ? await convertMask(request.mask, first, 'white') : request.mask.bytes;
  }
  return { images, mask };
}

async function runTask(call: BflCall, request: BflRequest): Promise<TaskOutcome> {
  const { apiKey, baseUrl, instance: provider } = call.endpoint;
  const response = await upstreamFetch({
    provider,
    method: 'POST',
    url: request.url,
    headers: request.headers,
    body: JSON.stringify(request.body),
    signal: call.signal,
  });
  if (response.status < 200 || response.status >= 300) throw bflHttpError(provider, response, apiKey);
  const submit = readSubmitResponse(parseJsonBody(response.body));
  if (!submit) throw malformedResponse(provider, 'the submit response has no task id');

  const pollingUrl = resolvePollingUrl(provider, submit, baseUrl);
  if (!mayReceiveKey(pollingUrl, baseUrl)) {
    throw new UpstreamError({
      provider,
      kind: 'upstream_error',
      code: 'untrusted_polling_url',
      message: `The provider '${provider}' returned a polling URL on '${pollingUrl.protocol}//${pollingUrl.host}', which is neither an https *.bfl.ai host nor the configured base URL; the key was not sent there.`,
    });
  }
  const sample = await pollBflTask({
    provider,
    url: pollingUrl,
    apiKey,
    intervalMs: pollIntervalMs(call.options, call.endpoint.settings),
    signal: call.signal,
    deadline: call.deadline,
  });
  return { sample, costCredits: submit.costCredits };
}

/** `GET {base}/credits`: authenticated, free, and tells the operator the balance. */
async function probeBfl(endpoint: ProviderEndpoint<BflSettings>, signal: AbortSignal): Promise<ProbeResult> {
  const url = `${endpoint.baseUrl}/credits`;
  try {
    const response = await upstreamFetch({
      provider: endpoint.instance,
      method: 'GET',
      url,
      headers: endpoint.apiKey ? { 'x-key': endpoint.apiKey } : {},
      signal,
    });
    const json = parseJsonBody(response.body);
    if (response.status !== 200) {
      const message = readErrorMessage(json);
      const detail = message ? `: ${redactSecrets(message, [endpoint.apiKey])}` : '';
      return { ok: false, detail: `GET ${url} answered HTTP ${response.status}${detail}` };
    }
    const credits = readCredits(json);
    return credits === undefined
      ? { ok: false, detail: `GET ${url} answered 200 without a credits balance` }
      : { ok: true, detail: `GET ${url} answered 200: ${credits} credits ($${(credits / 100).toFixed(2)}) left` };
  } catch (error) {
    if (signal.aborted) throw error;
    return { ok: false, detail: `GET ${url} failed: ${errorText(error, [endpoint.apiKey])}` };
  }
}
