import { invalidParam } from '../../errors/api-error.js';
import type { GenerationWarning, ImageSize } from '../../domain/image-request.js';
import { integerParam, numberParam } from '../common/numeric-params.js';
import { stepsForQuality } from '../common/quality-steps.js';
import { formatSize, roundSizeToMultiple } from '../common/size-mapping.js';
import type { ProviderCall } from '../provider.js';
import type { ComfyuiGraph, ComfyuiInputName, ComfyuiRouteOptions, ComfyuiSettings, ComfyuiWorkflow } from './comfyui-route-options.js';

export type ComfyuiCall = ProviderCall<ComfyuiRouteOptions, ComfyuiSettings>;

/** What the adapter uploaded before queueing: names as LoadImage takes them (`sub/name.png`). */
export interface ComfyuiUploads {
  image: string | undefined;
  /** Set only when the workflow binds `mask` to its own node; else the mask is in the image's alpha. */
  mask: string | undefined;
  /** Size of the input image, for `size: auto` on edits. */
  imageSize: ImageSize | undefined;
}

/** Per-request values the builder must not invent itself, so that it stays pure. */
export interface ComfyuiRequestIds {
  promptId: string;
  clientId: string;
  /** Used when the client gave no seed: ComfyUI caches identical graphs and would return the old files. */
  randomSeed: number;
}

export interface ComfyuiPromptRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: { prompt: ComfyuiGraph; client_id: string; prompt_id: string };
  workflow: ComfyuiWorkflow;
  warnings: GenerationWarning[];
}

/** SaveImage writes PNGs; the widest ComfyUI allows per node is 16384, the useful range is narrower. */
const MIN_EDGE = 64;
const MAX_EDGE = 8192;
/** KSampler.seed allows up to 2^64-1; JSON numbers above 2^53 lose precision, so stay below. */
const MAX_SEED = Number.MAX_SAFE_INTEGER;
const MAX_STEPS = 10000;

/** Which of the route's workflows serves a request: inpaint for a mask, edit for an image, else text to image. */
export function chooseWorkflow(call: ComfyuiCall): { workflow: ComfyuiWorkflow; kind: 'text_to_image' | 'edit' | 'inpaint' } {
  const { request, options } = call;
  if (request.images.length > 1)
    throw invalidParam('image[]', `'${call.upstreamModel}' edits one image at a time; ${request.images.length} were sent.`);
  if (request.mask) {
    if (request.images.length === 0) throw invalidParam('image[]', 'A mask needs the image it applies to.');
    if (!options.inpaint) throw invalidParam('mask', `'${call.upstreamModel}' has no inpainting workflow on this server.`);
    return { workflow: options.inpaint, kind: 'inpaint' };
  }
  if (request.images.length === 1) {
    if (!options.edit) throw invalidParam('image[]', `'${call.upstreamModel}' has no image-to-image workflow on this server.`);
    return { workflow: options.edit, kind: 'edit' };
  }
  return { workflow: options.textToImage, kind: 'text_to_image' };
}

/**
 * The `POST {base}/prompt` body for `count` images: a copy of the route's workflow with the bound
 * inputs filled in. Pure: uploads, ids and the random seed come from the adapter.
 */
export function buildComfyuiRequest(
  call: ComfyuiCall,
  uploads: ComfyuiUploads,
  count: number,
  ids: ComfyuiRequestIds,
): ComfyuiPromptRequest {
  const { request, options, endpoint } = call;
  const { workflow } = chooseWorkflow(call);
  const graph = structuredClone(workflow.graph);
  const warnings: GenerationWarning[] = [];
  const provider = endpoint.instance;
  const set = (name: ComfyuiInputName, value: unknown): boolean => {
    const binding = workflow.inputs[name];
    if (!binding) return false;
    graph[binding.node]!.inputs[binding.input] = value;
    return true;
  };
  const unsupported = (setting: string, message: string) => warnings.push({ type: 'unsupported', setting, provider, message });

  set('prompt', request.prompt ?? '');
  const size = chooseSize(call, uploads.imageSize, warnings);
  if (!set('width', size.width) && request.size !== 'auto')
    unsupported('size', `This workflow of '${call.upstreamModel}' has a fixed size; 'size' was ignored.`);
  set('height', size.height);
  if (!set('batch_size', count) && count > 1) throw invalidParam('n', `This workflow of '${call.upstreamModel}' draws one image per call.`);

  const extra = request.extra;
  const seed = extra['seed'] !== undefined ? integerParam('seed', extra['seed'], 0, MAX_SEED) : ids.randomSeed;
  if (!set('seed', seed) && extra['seed'] !== undefined) unsupported('seed', "This workflow binds no seed; 'seed' was ignored.");
  const steps =
    extra['steps'] !== undefined
      ? integerParam('steps', extra['steps'], 1, MAX_STEPS)
      : stepsForQuality(options.qualitySteps, request.quality === 'auto' ? 'medium' : request.quality);
  if (steps !== undefined && !set('steps', steps) && extra['steps'] !== undefined)
    unsupported('steps', "This workflow binds no step count; 'steps' was ignored.");
  const negative = extra['negative_prompt'];
  if (negative !== undefined) {
    if (typeof negative !== 'string')
      throw invalidParam('negative_prompt', `'negative_prompt' must be a string, got ${JSON.stringify(negative)}.`);
    if (!set('negative', negative)) unsupported('negative_prompt', "This workflow has no negative prompt; 'negative_prompt' was ignored.");
  }
  if (uploads.image !== undefined) {
    set('image', uploads.image);
    const strength = extra['strength'] !== undefined ? numberParam('strength', extra['strength'], 0, 1) : undefined;
    if (!set('denoise', strength ?? options.denoise) && strength !== undefined)
      unsupported('strength', "This workflow binds no denoise; 'strength' was ignored.");
  } else if (extra['strength'] !== undefined) unsupported('strength', "'strength' applies to edits only; it was ignored.");
  if (uploads.mask !== undefined) set('mask', uploads.mask);

  // A unique prefix per request: files never collide, and an operator can clean them up by folder.
  const saveNode = graph[workflow.outputNode];
  if (saveNode && 'filename_prefix' in saveNode.inputs) saveNode.inputs['filename_prefix'] = `imagerouter/${ids.promptId}`;

  return {
    url: `${endpoint.baseUrl}/prompt`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...comfyuiAuthHeader(endpoint.apiKey, endpoint.settings) },
    body: { prompt: graph, client_id: ids.clientId, prompt_id: ids.promptId },
    workflow,
    warnings,
  };
}

/** The credential of the proxy in front of ComfyUI: a bearer token, or `user:pass` as HTTP Basic. */
export function comfyuiAuthHeader(apiKey: string | undefined, settings: ComfyuiSettings): Record<string, string> {
  if (!apiKey) return {};
  if (settings.auth_scheme === 'basic') return { authorization: `Basic ${Buffer.from(apiKey, 'utf8').toString('base64')}` };
  return { authorization: `Bearer ${apiKey}` };
}

/** `auto` draws the route's default size, or the input image's for an edit; sizes are rounded to the route's multiple. */
function chooseSize(call: ComfyuiCall, imageSize: ImageSize | undefined, warnings: GenerationWarning[]): ImageSize {
  const { options } = call;
  const requested = call.request.size;
  const wanted = requested !== 'auto' ? requested : (imageSize ?? options.defaultSize);
  const sent = roundSizeToMultiple(wanted, options.sizeMultiple, MIN_EDGE, MAX_EDGE);
  if (requested !== 'auto' && (sent.width !== requested.width || sent.height !== requested.height))
    warnings.push({
      type: 'adapted',
      setting: 'size',
      provider: call.endpoint.instance,
      message: `'${call.upstreamModel}' takes widths and heights in multiples of ${options.sizeMultiple} from ${MIN_EDGE} to ${MAX_EDGE}; '${formatSize(requested)}' was sent as ${formatSize(sent)}.`,
    });
  return sent;
}
