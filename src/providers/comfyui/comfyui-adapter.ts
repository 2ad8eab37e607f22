import { randomInt, randomUUID } from 'node:crypto';
import { UpstreamError } from '../../errors/upstream-error.js';
import type { ImageRequest } from '../../domain/image-request.js';
import { abortableSleep } from '../common/abortable-sleep.js';
import { convertMask, prepareInputImage } from '../common/input-image-conversion.js';
import { errorText, malformedResponse } from '../common/upstream-error-from-response.js';
import { parseJsonBody, upstreamFetch } from '../common/upstream-fetch.js';
import type { ImageProvider, ProbeResult, ProviderEndpoint, ProviderResult } from '../provider.js';
import { comfyuiExecutionError, comfyuiHttpError } from './comfyui-errors.js';
import { buildComfyuiRequest, chooseWorkflow, comfyuiAuthHeader, type ComfyuiCall, type ComfyuiUploads } from './comfyui-request.js';
import type { ComfyuiRouteOptions, ComfyuiSettings, ComfyuiWorkflow } from './comfyui-route-options.js';
import { readHistoryEntry, readModelFiles, readPromptId, readUploadedName, type ComfyuiOutputFile } from './comfyui-wire-types.js';

/** Budget of the best-effort `POST /queue` removal after we stop waiting. */
const REMOVE_TIMEOUT_MS = 2_000;

/**
 * A self-hosted ComfyUI: upload the input image (and mask), queue the route's workflow with its
 * bound inputs filled in (`POST /prompt`), poll `GET /history/{prompt_id}` until it is there, and
 * download the output node's files with `GET /view`. Polling rather than the websocket: one HTTP
 * client, no socket to keep, and `/history` carries the same outputs. The result's `gpuSeconds` is
 * the history's execution time (`execution_start` → `execution_success`), else the job's wall time.
 */
export function createComfyuiAdapter(): ImageProvider<ComfyuiRouteOptions, ComfyuiSettings> {
  return {
    id: 'comfyui',
    maxImagesPerCall: (_model, options) => options.maxImagesPerCall,
    generate: generateWithComfyui,
    probe: probeComfyui,
    // The route's `model` is the checkpoint file its workflows load; `models check` compares it with the folder.
    listModels: async (endpoint, signal) => ({
      kind: 'listed',
      source: 'GET /models/checkpoints',
      models: (await listCheckpoints(endpoint, signal)).map((id) => ({ id, image: true })),
    }),
  };
}

async function generateWithComfyui(call: ComfyuiCall): Promise<ProviderResult> {
  const { workflow } = chooseWorkflow(call);
  const uploads = await uploadInputs(call, call.request, workflow.inputs.mask !== undefined);
  const count = Math.max(1, call.n);
  // A workflow without a bound batch size (the shipped edit ones) draws one image per prompt.
  if (workflow.inputs.batch_size || count === 1) return runPrompt(call, workflow, uploads, count);
  const result: ProviderResult = { images: [], warnings: [], gpuSeconds: 0 };
  const seed = call.request.extra['seed'];
  for (let index = 0; index < count; index += 1) {
    // A client seed must still give N different images: identical graphs come back from ComfyUI's cache.
    const extra = typeof seed === 'number' ? { ...call.request.extra, seed: seed + index } : call.request.extra;
    const one = await runPrompt({ ...call, request: { ...call.request, extra } }, workflow, uploads, 1);
    result.images.push(...one.images);
    result.gpuSeconds = (result.gpuSeconds ?? 0) + (one.gpuSeconds ?? 0);
    if (index === 0) result.warnings.push(...one.warnings);
  }
  return result;
}

/** Queues one prompt, waits for it and downloads the output node's files. */
async function runPrompt(call: ComfyuiCall, workflow: ComfyuiWorkflow, uploads: ComfyuiUploads, count: number): Promise<ProviderResult> {
  const provider = call.endpoint.instance;
  const headers = comfyuiAuthHeader(call.endpoint.apiKey, call.endpoint.settings);
  const ids = { promptId: randomUUID(), clientId: `imagerouter-${randomUUID()}`, randomSeed: randomInt(0, 2 ** 47) };
  const prepared = buildComfyuiRequest(call, uploads, count, ids);
  const queuedAt = performance.now();
  const queued = await upstreamFetch({
    provider,
    method: 'POST',
    url: prepared.url,
    headers: prepared.headers,
    body: JSON.stringify(prepared.body),
    signal: call.signal,
  });
  if (queued.status !== 200) throw comfyuiHttpError(provider, queued, workflow, call.endpoint.apiKey);
  const promptId = readPromptId(parseJsonBody(queued.body));
  if (!promptId) throw malformedResponse(provider, 'the /prompt answer has no prompt_id');

  const { outputs, executionMs } = await waitForOutputs(call, promptId, headers);
  // The server's own execution time; without it, the job's wall time (queueing included: an overstatement).
  const gpuSeconds = (executionMs ?? performance.now() - queuedAt) / 1000;
  const files = (outputs[workflow.outputNode] ?? []).filter((file) => file.type === 'output');
  if (files.length === 0) throw malformedResponse(provider, `output node ${workflow.outputNode} produced no images`);
  const images = [];
  for (const file of files) images.push({ bytes: await view(call, file, headers), format: 'png' as const });
  return { images, warnings: prepared.warnings, gpuSeconds };
}

/**
 * Uploads the input image (EXIF applied, as PNG) and the mask. Without a bound `mask` node the mask
 * goes through `/upload/mask`, which writes its alpha into a copy of the image: LoadImage's MASK
 * output is then 1 − alpha, so OpenAI's "transparent = repaint" carries over unchanged.
 */
async function uploadInputs(call: ComfyuiCall, request: ImageRequest, maskHasOwnNode: boolean): Promise<ComfyuiUploads> {
  const source = request.images[0];
  if (!source) return { image: undefined, mask: undefined, imageSize: undefined };
  const prepared = await prepareInputImage(source, { formats: ['png'] });
  const imageSize = { width: source.width, height: source.height };
  const image = await upload(call, '/upload/image', prepared.bytes, {});
  if (!request.mask) return { image, mask: undefined, imageSize };
  const mask = await convertMask(request.mask, imageSize, 'alpha');
  if (maskHasOwnNode) return { image, mask: await upload(call, '/upload/image', mask, {}), imageSize };
  const [subfolder, filename] = image.includes('/')
    ? [image.slice(0, image.lastIndexOf('/')), image.slice(image.lastIndexOf('/') + 1)]
    : ['', image];
  const merged = await upload(call, '/upload/mask', mask, { original_ref: JSON.stringify({ filename, subfolder, type: 'input' }) });
  return { image: merged, mask: undefined, imageSize };
}

async function upload(
  call: ComfyuiCall,
  path: '/upload/image' | '/upload/mask',
  bytes: Buffer,
  fields: Record<string, string>,
): Promise<string> {
  const provider = call.endpoint.instance;
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(bytes)], { type: 'image/png' }), `imagerouter-${randomUUID()}.png`);
  form.append('type', 'input');
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  const response = await upstreamFetch({
    provider,
    method: 'POST',
    url: `${call.endpoint.baseUrl}${path}`,
    headers: comfyuiAuthHeader(call.endpoint.apiKey, call.endpoint.settings),
    body: form,
    signal: call.signal,
  });
  if (response.status !== 200) throw comfyuiHttpError(provider, response, undefined, call.endpoint.apiKey);
  const name = readUploadedName(parseJsonBody(response.body));
  if (!name) throw malformedResponse(provider, `the ${path} answer has no name`);
  return name;
}

/** Polls `/history/{id}` (`{}` while queued or running) until the entry appears or the deadline passes. */
async function waitForOutputs(
  call: ComfyuiCall,
  promptId: string,
  headers: Record<string, string>,
): Promise<{ outputs: Record<string, ComfyuiOutputFile[]>; executionMs: number | undefined }> {
  const provider = call.endpoint.instance;
  try {
    for (;;) {
      const response = await upstreamFetch({
        provider,
        method: 'GET',
        url: `${call.endpoint.baseUrl}/history/${encodeURIComponent(promptId)}`,
        headers,
        signal: call.signal,
      });
      if (response.status !== 200) throw comfyuiHttpError(provider, response, undefined, call.endpoint.apiKey);
      const entry = readHistoryEntry(parseJsonBody(response.body), promptId);
      if (entry === null) throw malformedResponse(provider, 'the /history answer is not a history object');
      if (entry?.status === 'success') return { outputs: entry.outputs, executionMs: entry.executionMs };
      if (entry?.status === 'error') throw comfyuiExecutionError(provider, entry, call.endpoint.apiKey);
      const remaining = call.deadline - Date.now();
      if (remaining <= 0) {
        throw new UpstreamError({
          provider,
          kind: 'timeout',
          message: `The provider '${provider}' did not finish the prompt before the deadline.`,
        });
      }
      await abortableSleep(Math.min(call.options.pollIntervalMs, remaining), call.signal);
    }
  } catch (error) {
    // Past the deadline, or the call's signal aborted (at that same deadline, usually mid-sleep, or on
    // a disconnect): we stopped waiting, so the prompt must leave the queue, or the GPU renders it for nobody.
    if (call.signal.aborted || Date.now() >= call.deadline) removeFromQueueInBackground(call, promptId, headers);
    throw error;
  }
}

/**
 * Best effort: a prompt still pending should not occupy the GPU after we gave up on it. Its own
 * short budget, not the call's signal, which has usually aborted by now.
 */
function removeFromQueueInBackground(call: ComfyuiCall, promptId: string, headers: Record<string, string>): void {
  void upstreamFetch({
    provider: call.endpoint.instance,
    method: 'POST',
    url: `${call.endpoint.baseUrl}/queue`,
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ delete: [promptId] }),
    signal: AbortSignal.timeout(REMOVE_TIMEOUT_MS),
  }).catch(() => undefined);
}

/** `GET /view`: the file bytes. Its errors (404 gone, 400/403 bad names) have empty bodies. */
async function view(call: ComfyuiCall, file: ComfyuiOutputFile, headers: Record<string, string>): Promise<Buffer> {
  const provider = call.endpoint.instance;
  const query = new URLSearchParams({ filename: file.filename, subfolder: file.subfolder, type: file.type });
  const response = await upstreamFetch({
    provider,
    method: 'GET',
    url: `${call.endpoint.baseUrl}/view?${query.toString()}`,
    headers,
    signal: call.signal,
  });
  if (response.status !== 200) throw comfyuiHttpError(provider, response, undefined, call.endpoint.apiKey);
  if (response.body.length === 0) throw malformedResponse(provider, `/view returned no bytes for ${file.filename}`);
  return response.body;
}

async function listCheckpoints(endpoint: ProviderEndpoint<ComfyuiSettings>, signal: AbortSignal): Promise<string[]> {
  const provider = endpoint.instance;
  const response = await upstreamFetch({
    provider,
    method: 'GET',
    url: `${endpoint.baseUrl}/models/checkpoints`,
    headers: comfyuiAuthHeader(endpoint.apiKey, endpoint.settings),
    signal,
  });
  if (response.status !== 200) throw comfyuiHttpError(provider, response, undefined, endpoint.apiKey);
  const files = readModelFiles(parseJsonBody(response.body));
  if (!files) throw malformedResponse(provider, 'the checkpoint list is not a JSON array');
  return files;
}

/** `GET /system_stats`: free, behind the same proxy, and tells the operator the version. */
async function probeComfyui(endpoint: ProviderEndpoint<ComfyuiSettings>, signal: AbortSignal): Promise<ProbeResult> {
  const what = `GET ${endpoint.baseUrl}/system_stats`;
  try {
    const response = await upstreamFetch({
      provider: endpoint.instance,
      method: 'GET',
      url: `${endpoint.baseUrl}/system_stats`,
      headers: comfyuiAuthHeader(endpoint.apiKey, endpoint.settings),
      signal,
    });
    if (response.status !== 200) throw comfyuiHttpError(endpoint.instance, response, undefined, endpoint.apiKey);
    const body = parseJsonBody(response.body);
    const system = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['system'] : undefined;
    const version = typeof system === 'object' && system !== null ? (system as Record<string, unknown>)['comfyui_version'] : undefined;
    return { ok: true, detail: `${what} answered 200${typeof version === 'string' ? `: ComfyUI ${version}` : ''}` };
  } catch (error) {
    if (signal.aborted) throw error;
    return { ok: false, detail: `${what} failed: ${errorText(error, [endpoint.apiKey])}` };
  }
}
