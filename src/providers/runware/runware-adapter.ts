import { randomUUID } from 'node:crypto';
import type { ImageFormat } from '../../domain/image-format.js';
import type { ImageRequest } from '../../domain/image-request.js';
import { convertMask, prepareInputImage } from '../common/input-image-conversion.js';
import { malformedResponse } from '../common/upstream-error-from-response.js';
import { parseJsonBody, upstreamFetch } from '../common/upstream-fetch.js';
import type { ImageProvider, ProviderResult } from '../provider.js';
import { runwareHttpError } from './runware-errors.js';
import { buildRunwareRequest, type RunwareCall, type RunwareInputs } from './runware-request.js';
import type { RunwareRouteOptions, RunwareSettings } from './runware-route-options.js';
import { readFirstError, readResults } from './runware-wire-types.js';

/** What Runware documents for input images sent as data URIs; anything else is re-encoded as PNG. */
const INPUT_FORMATS: ReadonlyArray<ImageFormat> = ['png', 'jpeg', 'webp'];

/**
 * Runware's task API over HTTP: one `POST` of a task array that blocks until the images are done
 * (synchronous delivery, the default for images), results matched by `taskUUID` and returned as
 * base64 with their cost. No probe and no model list: Runware documents no free authenticated
 * request over HTTP, and the shape of its `modelSearch` answer is not documented.
 */
export function createRunwareAdapter(): ImageProvider<RunwareRouteOptions, RunwareSettings> {
  return {
    id: 'runware',
    maxImagesPerCall: (_model, options) => options.maxImagesPerCall,
    generate: generateWithRunware,
  };
}

async function generateWithRunware(call: RunwareCall): Promise<ProviderResult> {
  const inputs = await prepareInputs(call);
  const count = Math.max(1, Math.min(call.n, call.options.maxImagesPerCall));
  const taskUUID = randomUUID();
  const request = buildRunwareRequest(call, inputs, count, taskUUID);
  const provider = call.endpoint.instance;
  const response = await upstreamFetch({
    provider,
    method: 'POST',
    url: request.url,
    headers: request.headers,
    body: JSON.stringify(request.body),
    signal: call.signal,
  });
  if (response.status < 200 || response.status >= 300) throw runwareHttpError(provider, response, call.endpoint.apiKey);
  const json = parseJsonBody(response.body);
  if (json === undefined) throw malformedResponse(provider, 'the body is not JSON');
  const results = readResults(json, taskUUID);
  // Errors are per task: a 200 may carry ours in `errors` while `data` holds none of our images.
  if ((results === undefined || results.length === 0) && readFirstError(json))
    throw runwareHttpError(provider, response, call.endpoint.apiKey);
  if (results === undefined) throw malformedResponse(provider, 'the body has no data list');
  if (results.length < count) throw malformedResponse(provider, `${count} image(s) were asked for and ${results.length} came back`);

  const kept = results.slice(0, count);
  const costs = kept.map((result) => result.cost);
  const result: ProviderResult = {
    images: kept.map((image) => ({ base64: Buffer.from(image.base64, 'latin1') })),
    warnings: request.warnings,
  };
  // Bill only a complete report: a missing cost on one image would understate the charge.
  if (costs.every((cost) => cost !== undefined))
    result.reportedCostMicros = Math.round(costs.reduce((sum, cost) => sum + cost, 0) * 1_000_000);
  return result;
}

/** EXIF applied, formats Runware reads, and the client's alpha mask as white = repaint at image 1's size. */
async function prepareInputs(call: RunwareCall): Promise<RunwareInputs> {
  const request: ImageRequest = call.request;
  const images = await Promise.all(
    request.images.map(async (source) => {
      const prepared = await prepareInputImage(source, { formats: INPUT_FORMATS });
      return { bytes: prepared.bytes, format: prepared.format, width: source.width, height: source.height };
    }),
  );
  const [first] = images;
  // A mask the route can't take is left to the builder, which refuses it naming `mask`.
  const mask = request.mask && first && call.options.mask ? await convertMask(request.mask, first, 'white') : undefined;
  return { images, mask };
}
