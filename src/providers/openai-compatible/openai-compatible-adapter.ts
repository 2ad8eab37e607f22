import { loadSharp } from '../../images/load-sharp.js';
import type { GenerationWarning, ImageRequest } from '../../domain/image-request.js';
import type { ImageProvider, ProbeResult, ProviderEndpoint, ProviderImage, ProviderResult } from '../provider.js';
import { convertMask, prepareInputImage } from '../common/input-image-conversion.js';
import { errorText } from '../common/upstream-error-from-response.js';
import { parseJsonBody, upstreamFetch, type UpstreamResponse } from '../common/upstream-fetch.js';
import { resolveCallConfig, type OpenAICompatibleSettings, type RouteOptions } from './openai-compatible-config.js';
import { fetchModelList, listOpenAICompatibleModels, modelListRequest, type ModelListRequest } from './openai-compatible-model-list.js';
import { errorFromResponse } from './openai-compatible-errors.js';
import type { FlavorProfile } from './openai-compatible-flavors.js';
import {
  buildOpenAICompatibleRequest,
  imagesPerRequest,
  type OpenAICompatibleCall,
  type OpenAICompatibleHttpRequest,
  type PreparedInputs,
} from './openai-compatible-request.js';
import { parseImagesResponse } from './openai-compatible-response.js';

export const OPENAI_COMPATIBLE_ADAPTER_ID = 'openai-compatible';
/** What `maxImagesPerCall` reports without a route option: the adapter splits further per flavor itself. */
const DEFAULT_MAX_IMAGES_PER_CALL = 10;
/** SGLang-style seeds: any non-negative 31-bit integer. */
const SEED_RANGE = 2 ** 31;

export interface OpenAICompatibleAdapterOptions {
  /** Seeds for flavors that need one per request (tests inject a fixed one). */
  randomSeed?: () => number;
}

/**
 * The adapter for OpenAI-shaped image servers (xAI, Together, DeepInfra, Azure OpenAI, LocalAI,
 * vLLM-Omni, SGLang, and any other `…/images/generations` server). The instance's
 * `settings.flavor` picks the wire details; everything else is the same code path.
 */
export function createOpenAICompatibleAdapter(
  adapterOptions: OpenAICompatibleAdapterOptions = {},
): ImageProvider<RouteOptions, OpenAICompatibleSettings> {
  const randomSeed = adapterOptions.randomSeed ?? (() => Math.floor(Math.random() * SEED_RANGE));
  return {
    id: OPENAI_COMPATIBLE_ADAPTER_ID,
    maxImagesPerCall: (_upstreamModel, options) => options.max_images_per_call ?? DEFAULT_MAX_IMAGES_PER_CALL,
    generate: (call) => generate(call, randomSeed),
    probe,
    listModels: listOpenAICompatibleModels,
  };
}

/**
 * Sends as many upstream requests as `call.n` needs: the flavor's per-request limit (Together and
 * DeepInfra 4, LocalAI inpainting 1), and again when a server returns fewer images than asked
 * (some ignore `n`). Each round must bring at least one image, so there are at most `call.n` rounds.
 */
async function generate(call: OpenAICompatibleCall, randomSeed: () => number): Promise<ProviderResult> {
  const config = resolveCallConfig(call.endpoint, call.options);
  const inputs = await prepareInputs(call.request, config.profile);
  const perRequest = imagesPerRequest(config, inputs.images.length > 0, inputs.mask !== undefined);
  const images: ProviderImage[] = [];
  const warnings: GenerationWarning[] = [];
  let reportedCostMicros: number | undefined;
  let usage: ProviderResult['usage'];

  while (images.length < call.n) {
    const batch = Math.min(perRequest, call.n - images.length);
    const seed = config.profile.randomSeedWhenMissing ? randomSeed() : undefined;
    const request = buildOpenAICompatibleRequest({ ...call, n: batch }, { ...inputs, ...(seed === undefined ? {} : { randomSeed: seed }) });
    // Every round builds the same warnings: report them once.
    if (images.length === 0) warnings.push(...request.warnings);
    const response = await send(request, call);
    if (response.status < 200 || response.status > 299) throw errorFromResponse(call.endpoint.instance, response, call.endpoint.apiKey);
    const parsed = parseImagesResponse(call.endpoint.instance, response.body);
    images.push(...parsed.images.slice(0, call.n - images.length));
    if (parsed.reportedCostMicros !== undefined) reportedCostMicros = (reportedCostMicros ?? 0) + parsed.reportedCostMicros;
    if (parsed.usage) usage = addUsage(usage, parsed.usage);
  }
  return { images, warnings, ...(reportedCostMicros === undefined ? {} : { reportedCostMicros }), ...(usage ? { usage } : {}) };
}

/** Input images in a format the flavor reads (EXIF applied); the mask in its convention, at image 1's size. */
async function prepareInputs(request: ImageRequest, profile: FlavorProfile): Promise<PreparedInputs> {
  if (request.images.length === 0) return { images: [], mask: undefined };
  const sharp = await loadSharp();
  const images = await Promise.all(request.images.map((image) => prepareInputImage(image, { formats: profile.inputFormats })));
  const first = images[0];
  if (!request.mask || !profile.maskConvention || !first) return { images, mask: undefined };
  // Measured after preparation: an EXIF rotation may have swapped width and height.
  const { width, height } = await sharp(first.bytes).metadata();
  if (!width || !height) return { images, mask: undefined };
  return { images, mask: await convertMask(request.mask, { width, height }, profile.maskConvention) };
}

function send(request: OpenAICompatibleHttpRequest, call: OpenAICompatibleCall): Promise<UpstreamResponse> {
  const body = request.body.type === 'json' ? JSON.stringify(request.body.value) : formDataOf(request.body.fields);
  return upstreamFetch({
    provider: call.endpoint.instance,
    method: request.method,
    url: request.url,
    headers: request.headers,
    body,
    signal: call.signal,
  });
}

function formDataOf(fields: Extract<OpenAICompatibleHttpRequest['body'], { type: 'form' }>['fields']): FormData {
  const form = new FormData();
  for (const [name, value] of fields) {
    if (typeof value === 'string') form.append(name, value);
    else form.append(name, new Blob([new Uint8Array(value.bytes)], { type: value.contentType }), value.filename);
  }
  return form;
}

function addUsage(total: ProviderResult['usage'], more: NonNullable<ProviderResult['usage']>): NonNullable<ProviderResult['usage']> {
  return {
    inputTextTokens: (total?.inputTextTokens ?? 0) + (more.inputTextTokens ?? 0),
    inputImageTokens: (total?.inputImageTokens ?? 0) + (more.inputImageTokens ?? 0),
    outputImageTokens: (total?.outputImageTokens ?? 0) + (more.outputImageTokens ?? 0),
  };
}

/**
 * `imagerouter doctor`: one authenticated GET of the instance's model list (xAI:
 * `/image-generation-models`; Azure: the resource's data-plane `/openai/models`, which checks the key
 * and resource but not the deployment). Never throws; the detail never contains the key.
 */
async function probe(endpoint: ProviderEndpoint<OpenAICompatibleSettings>, signal: AbortSignal): Promise<ProbeResult> {
  let request: ModelListRequest;
  try {
    request = modelListRequest(endpoint);
  } catch (error) {
    return { ok: false, detail: errorText(error, [endpoint.apiKey]) };
  }
  const shown = `GET ${new URL(request.url).pathname}`;
  try {
    const response = await fetchModelList(endpoint, request, signal);
    if (response.status >= 200 && response.status <= 299) {
      const count = modelCount(parseJsonBody(response.body));
      return { ok: true, detail: `${shown} → HTTP ${response.status}${count === undefined ? '' : ` (${count} models)`}` };
    }
    return { ok: false, detail: `${shown} → ${errorFromResponse(endpoint.instance, response, endpoint.apiKey).message}` };
  } catch (error) {
    return { ok: false, detail: `${shown} failed: ${errorText(error, [endpoint.apiKey])}` };
  }
}

/** Model lists come as `{data: [...]}` (OpenAI), `{models: [...]}` (xAI) or a bare array (Together). */
function modelCount(json: unknown): number | undefined {
  if (Array.isArray(json)) return json.length;
  if (json && typeof json === 'object') {
    const record = json as Record<string, unknown>;
    const list = Array.isArray(record['data']) ? record['data'] : Array.isArray(record['models']) ? record['models'] : undefined;
    return list?.length;
  }
  return undefined;
}
