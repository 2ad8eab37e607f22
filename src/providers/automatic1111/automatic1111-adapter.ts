import type { ImageFormat } from '../../domain/image-format.js';
import type { ImageRequest } from '../../domain/image-request.js';
import { convertMask, prepareInputImage } from '../common/input-image-conversion.js';
import { postForJson } from '../common/post-json.js';
import { errorText, malformedResponse } from '../common/upstream-error-from-response.js';
import type { ImageProvider, ProbeResult, ProviderEndpoint, ProviderResult } from '../provider.js';
import { automatic1111HttpError } from './automatic1111-errors.js';
import { listAutomatic1111Checkpoints } from './automatic1111-checkpoints.js';
import { buildAutomatic1111Request, type Automatic1111Call, type Automatic1111Inputs } from './automatic1111-request.js';
import type { Automatic1111RouteOptions, Automatic1111Settings } from './automatic1111-route-options.js';
import { readGeneration } from './automatic1111-wire-types.js';

/** What PIL on the server decodes without surprises; anything else is re-encoded as PNG. */
const INPUT_FORMATS: ReadonlyArray<ImageFormat> = ['png', 'jpeg', 'webp'];

/**
 * A self-hosted AUTOMATIC1111 / Forge SD WebUI started with `--api`: one blocking JSON call per
 * batch (`txt2img`, or `img2img` for edits and inpainting), images back inline as base64. The
 * server runs one job at a time and queues the rest, so calls may wait minutes; only the signal
 * (the request deadline) bounds them. `gpuSeconds` is the calls' wall time (the API reports none).
 */
export function createAutomatic1111Adapter(): ImageProvider<Automatic1111RouteOptions, Automatic1111Settings> {
  return {
    id: 'automatic1111',
    maxImagesPerCall: (_model, options) => options.maxImagesPerCall,
    generate: generateWithAutomatic1111,
    probe: probeAutomatic1111,
    // Every checkpoint on the server is an image model; `models check` compares the routes' titles.
    listModels: async (endpoint, signal) => ({
      kind: 'listed',
      source: 'GET /sdapi/v1/sd-models',
      models: (await listAutomatic1111Checkpoints(endpoint, signal)).map((id) => ({ id, image: true })),
    }),
  };
}

async function generateWithAutomatic1111(call: Automatic1111Call): Promise<ProviderResult> {
  const inputs = await prepareInputs(call.request);
  const perCall = call.options.maxImagesPerCall;
  const result: ProviderResult = { images: [], warnings: [], gpuSeconds: 0 };
  // The router never asks for more than `maxImagesPerCall`; a direct caller gets its n in batches.
  for (let remaining = Math.max(1, call.n); remaining > 0; remaining -= perCall) {
    const count = Math.min(perCall, remaining);
    const request = buildAutomatic1111Request(call, inputs, count);
    if (result.images.length === 0) result.warnings.push(...request.warnings);
    const provider = call.endpoint.instance;
    const started = performance.now();
    const json = await postForJson(
      { provider, url: request.url, headers: request.headers, body: JSON.stringify(request.body), signal: call.signal },
      (response) => automatic1111HttpError(provider, response, call.endpoint.apiKey),
    );
    const generation = readGeneration(json);
    if (!generation) throw malformedResponse(provider, 'the body has no images list');
    // A leading grid (batches with grids on) and trailing script outputs (ControlNet maps) are not ours.
    const images = generation.images.slice(generation.indexOfFirstImage, generation.indexOfFirstImage + count);
    if (images.length < count) throw malformedResponse(provider, `${count} image(s) were asked for and ${images.length} came back`);
    result.images.push(...images.map((image) => ({ base64: Buffer.from(image, 'latin1') })));
    // The WebUI reports no timing of its own: the blocking call's wall time is the GPU time billed.
    result.gpuSeconds = (result.gpuSeconds ?? 0) + (performance.now() - started) / 1000;
  }
  return result;
}

/** EXIF applied, formats the server reads, and the client's alpha mask as white = repaint at the image's size. */
async function prepareInputs(request: ImageRequest): Promise<Automatic1111Inputs> {
  const source = request.images[0];
  if (!source) return { image: undefined, mask: undefined };
  const prepared = await prepareInputImage(source, { formats: INPUT_FORMATS });
  const image = { bytes: prepared.bytes, width: source.width, height: source.height };
  const mask = request.mask ? await convertMask(request.mask, image, 'white') : undefined;
  return { image, mask };
}

/** `GET {base}/sdapi/v1/sd-models`: free, behind `--api-auth`, and tells the operator the checkpoints. */
async function probeAutomatic1111(endpoint: ProviderEndpoint<Automatic1111Settings>, signal: AbortSignal): Promise<ProbeResult> {
  const what = `GET ${endpoint.baseUrl}/sdapi/v1/sd-models`;
  try {
    const titles = await listAutomatic1111Checkpoints(endpoint, signal);
    const shown = titles.length > 0 ? ` (${titles.slice(0, 3).join(', ')}${titles.length > 3 ? ', …' : ''})` : '';
    return { ok: true, detail: `${what} answered 200: ${titles.length} checkpoint(s)${shown}` };
  } catch (error) {
    if (signal.aborted) throw error;
    return { ok: false, detail: `${what} failed: ${errorText(error, [endpoint.apiKey])}` };
  }
}
