import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import sharp from 'sharp';
import {
  fakeImage,
  formDataOf,
  sendJson,
  sendMalformed,
  sendTruncatedJson,
  startFakeUpstream,
  type FakeContext,
  type FakeUpstream,
  type RecordedCall,
} from './fake-upstream.js';

/**
 * A wire-faithful fake of a ComfyUI server (`server.py` routes) behind an optional reverse proxy
 * that checks a bearer token. `POST /prompt` validates the graph as `validate_prompt` does: unknown
 * `class_type` → `missing_node_type`; a link to a node id that is not in the graph →
 * `invalid_prompt`; no output node → `prompt_no_outputs`; per-input failures (missing required
 * input, unknown input name, wrong type, out of range, combo value not in the list: checkpoints,
 * samplers, files in `input/`) → `prompt_outputs_failed_validation` with ComfyUI's `node_errors`
 * shape. Rejecting unknown input names is stricter than ComfyUI (which ignores them), so a misspelt
 * binding fails here. Accepted prompts answer `{}` on their first `/history` poll (queued) and the
 * finished entry afterwards; outputs are served by `/view`, uploads land in an in-memory `input/`.
 */

export interface ComfyuiFake extends FakeUpstream {
  /** Files `CheckpointLoaderSimple.ckpt_name` / `/models/checkpoints` accept (mutable: edit in place). */
  readonly checkpoints: string[];
  /** Every accepted `/prompt` body's graph, in order. */
  readonly prompts: Array<Record<string, { class_type: string; inputs: Record<string, unknown> }>>;
  /** Files in `input/`, by `sub/name`. */
  readonly inputs: Map<string, Buffer>;
}

export const COMFYUI_CHECKPOINTS = ['sd_xl_base_1.0.safetensors', 'flux1-schnell-fp8.safetensors', 'v1-5-pruned-emaonly.safetensors'];
const SAMPLERS = ['euler', 'euler_ancestral', 'heun', 'dpm_2', 'dpmpp_2m', 'dpmpp_2m_sde', 'dpmpp_sde', 'ddim', 'uni_pc'];
const SCHEDULERS = ['normal', 'karras', 'exponential', 'sgm_uniform', 'simple', 'ddim_uniform', 'beta'];

type InputSpec =
  | { kind: 'INT'; min: number; max: number }
  | { kind: 'FLOAT'; min: number; max: number }
  | { kind: 'STRING' }
  | { kind: 'COMBO'; values: (state: State) => string[] }
  | { kind: 'LINK'; type: string };

interface NodeClass {
  required: Record<string, InputSpec>;
  optional?: Record<string, InputSpec>;
  outputs: string[];
  outputNode?: boolean;
}

const int = (min: number, max: number): InputSpec => ({ kind: 'INT', min, max });
const float = (min: number, max: number): InputSpec => ({ kind: 'FLOAT', min, max });
const link = (type: string): InputSpec => ({ kind: 'LINK', type });
const MAX_RESOLUTION = 16384;

/** The stock nodes the shipped workflows use, with the constraints of `nodes.py`. */
const NODE_CLASSES: Readonly<Record<string, NodeClass>> = {
  CheckpointLoaderSimple: {
    required: { ckpt_name: { kind: 'COMBO', values: (state) => state.checkpoints } },
    outputs: ['MODEL', 'CLIP', 'VAE'],
  },
  CLIPTextEncode: { required: { text: { kind: 'STRING' }, clip: link('CLIP') }, outputs: ['CONDITIONING'] },
  FluxGuidance: { required: { conditioning: link('CONDITIONING'), guidance: float(0, 100) }, outputs: ['CONDITIONING'] },
  EmptyLatentImage: {
    required: { width: int(16, MAX_RESOLUTION), height: int(16, MAX_RESOLUTION), batch_size: int(1, 4096) },
    outputs: ['LATENT'],
  },
  EmptySD3LatentImage: {
    required: { width: int(16, MAX_RESOLUTION), height: int(16, MAX_RESOLUTION), batch_size: int(1, 4096) },
    outputs: ['LATENT'],
  },
  KSampler: {
    required: {
      model: link('MODEL'),
      seed: int(0, Number.MAX_SAFE_INTEGER),
      steps: int(1, 10000),
      cfg: float(0, 100),
      sampler_name: { kind: 'COMBO', values: () => SAMPLERS },
      scheduler: { kind: 'COMBO', values: () => SCHEDULERS },
      positive: link('CONDITIONING'),
      negative: link('CONDITIONING'),
      latent_image: link('LATENT'),
      denoise: float(0, 1),
    },
    outputs: ['LATENT'],
  },
  VAEDecode: { required: { samples: link('LATENT'), vae: link('VAE') }, outputs: ['IMAGE'] },
  VAEEncode: { required: { pixels: link('IMAGE'), vae: link('VAE') }, outputs: ['LATENT'] },
  VAEEncodeForInpaint: {
    required: { pixels: link('IMAGE'), vae: link('VAE'), mask: link('MASK'), grow_mask_by: int(0, 64) },
    outputs: ['LATENT'],
  },
  SetLatentNoiseMask: { required: { samples: link('LATENT'), mask: link('MASK') }, outputs: ['LATENT'] },
  LoadImage: { required: { image: { kind: 'COMBO', values: (state) => [...state.inputs.keys()] } }, outputs: ['IMAGE', 'MASK'] },
  LoadImageMask: {
    required: {
      image: { kind: 'COMBO', values: (state) => [...state.inputs.keys()] },
      channel: { kind: 'COMBO', values: () => ['alpha', 'red', 'green', 'blue'] },
    },
    outputs: ['MASK'],
  },
  SaveImage: { required: { images: link('IMAGE'), filename_prefix: { kind: 'STRING' } }, outputs: [], outputNode: true },
};

interface State {
  checkpoints: string[];
  inputs: Map<string, Buffer>;
  outputs: Map<string, Buffer>;
  history: Map<string, { entry: Record<string, unknown>; readyAt: number; polls: number }>;
  counter: number;
  /** When set, the history's `execution_success` is stamped this long after `execution_start`. */
  executionMs: number | undefined;
}

type Graph = Record<string, { class_type: string; inputs: Record<string, unknown> }>;
type InputError = { type: string; message: string; details: string; extra_info: Record<string, unknown> };

/**
 * `token`: the bearer token the proxy in front of ComfyUI checks; undefined serves without auth, as
 * stock ComfyUI does. `executionMs`: the execution time the history reports (the real gap otherwise).
 */
export async function startComfyuiFake(options: { token?: string; executionMs?: number } = {}): Promise<ComfyuiFake> {
  const state: State = {
    checkpoints: [...COMFYUI_CHECKPOINTS],
    inputs: new Map(),
    outputs: new Map(),
    history: new Map(),
    counter: 0,
    executionMs: options.executionMs,
  };
  const prompts: ComfyuiFake['prompts'] = [];
  const upstream = await startFakeUpstream({
    basePath: '',
    supports: ['rate_limited', 'bad_request', 'server_error', 'unauthorized', 'slow', 'malformed', 'truncated', 'job_failed'],
    handler: (_request, response, call, context) => handle(response, call, context, options.token, state, prompts),
  });
  return Object.assign(upstream, { prompts, inputs: state.inputs, checkpoints: state.checkpoints });
}

async function handle(
  response: ServerResponse,
  call: RecordedCall,
  context: FakeContext,
  token: string | undefined,
  state: State,
  prompts: ComfyuiFake['prompts'],
): Promise<void> {
  // Every route is served at `/<route>` and `/api/<route>`.
  const path = call.path.startsWith('/api/') ? call.path.slice(4) : call.path;
  if (token !== undefined && call.headers['authorization'] !== `Bearer ${token}`) return sendProxy(response, 401, 'Unauthorized');
  const route = `${call.method} ${path}`;
  if (route === 'GET /system_stats')
    return sendJson(response, 200, {
      system: { os: 'posix', comfyui_version: '0.3.68', python_version: '3.12.3', embedded_python: false },
      devices: [],
    });
  if (route === 'GET /models/checkpoints') return sendJson(response, 200, state.checkpoints);
  if (route === 'POST /upload/image' || route === 'POST /upload/mask') return upload(response, call, state, path === '/upload/mask');
  if (route === 'POST /prompt') return queuePrompt(response, call, context, state, prompts);
  if (route === 'POST /queue') return void response.writeHead(200).end();
  if (call.method === 'GET' && path.startsWith('/history/'))
    return history(response, decodeURIComponent(path.slice('/history/'.length)), state);
  if (route === 'GET /view') return view(response, call, state);
  response.writeHead(404, { 'content-type': 'text/plain' }).end('404: Not Found');
}

/** What nginx in front of ComfyUI answers: plain text, not JSON. */
function sendProxy(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'text/html', ...headers }).end(`<html><body><h1>${status} ${text}</h1></body></html>`);
}

async function upload(response: ServerResponse, call: RecordedCall, state: State, isMask: boolean): Promise<void> {
  const form = await formDataOf(call).catch(() => undefined);
  const file = form?.get('image');
  if (!form || !(file instanceof File)) return void response.writeHead(400, { 'content-type': 'text/plain' }).end();
  const type = String(form.get('type') ?? 'input');
  if (type !== 'input') return void response.writeHead(400, { 'content-type': 'text/plain' }).end();
  const subfolder = String(form.get('subfolder') ?? '');
  let bytes = Buffer.from(await file.arrayBuffer());
  if (isMask) {
    // `/upload/mask` copies the original and replaces its alpha with the mask's.
    const ref = JSON.parse(String(form.get('original_ref') ?? 'null')) as { filename?: string; subfolder?: string } | null;
    const key = ref?.filename ? (ref.subfolder ? `${ref.subfolder}/${ref.filename}` : ref.filename) : '';
    const original = state.inputs.get(key);
    if (!original) return void response.writeHead(404, { 'content-type': 'text/plain' }).end();
    const { width, height } = await sharp(original).metadata();
    const alpha = await sharp(bytes).ensureAlpha().extractChannel('alpha').raw().toBuffer();
    const maskSize = await sharp(bytes).metadata();
    if (maskSize.width !== width || maskSize.height !== height) return void response.writeHead(500, { 'content-type': 'text/plain' }).end();
    // PIL's putalpha: the original's colours, the mask's alpha (sharp applies removeAlpha last, so go through raw RGB).
    const raw = { width: width ?? 0, height: height ?? 0 };
    const rgb = await sharp(original).removeAlpha().raw().toBuffer();
    bytes = await sharp(rgb, { raw: { ...raw, channels: 3 } })
      .joinChannel(alpha, { raw: { ...raw, channels: 1 } })
      .png()
      .toBuffer();
  }
  // A name clash gets ` (1)` before the extension unless `overwrite` is set.
  let name = file.name;
  const overwrite = ['true', '1'].includes(String(form.get('overwrite') ?? ''));
  for (let index = 1; !overwrite && state.inputs.has(subfolder ? `${subfolder}/${name}` : name); index += 1)
    name = file.name.replace(/(\.[^.]*)?$/, (extension) => ` (${index})${extension}`);
  state.inputs.set(subfolder ? `${subfolder}/${name}` : name, bytes);
  sendJson(response, 200, { name, subfolder, type: 'input' });
}

async function queuePrompt(
  response: ServerResponse,
  call: RecordedCall,
  context: FakeContext,
  state: State,
  prompts: ComfyuiFake['prompts'],
): Promise<void> {
  const scenario = context.nextScenario();
  if (scenario === 'unauthorized') return sendProxy(response, 401, 'Unauthorized');
  if (scenario === 'rate_limited') return sendProxy(response, 429, 'Too Many Requests', { 'retry-after': '2' });
  if (scenario === 'server_error') return sendProxy(response, 502, 'Bad Gateway');
  let body: unknown;
  try {
    body = JSON.parse(call.body.toString('utf8'));
  } catch {
    return sendJson(response, 400, {
      error: { type: 'invalid_prompt', message: 'Invalid JSON', details: '', extra_info: {} },
      node_errors: {},
    });
  }
  const graph = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['prompt'] : undefined;
  if (typeof graph !== 'object' || graph === null || Array.isArray(graph))
    return sendTopError(response, 'no_prompt', 'No prompt provided', '', {});
  const validation = validateGraph(graph as Graph, state);
  if (validation) return sendJson(response, 400, validation);
  const typedGraph = graph as Graph;
  if (scenario === 'bad_request') {
    // What ComfyUI answers for a width above MAX_RESOLUTION: the latent node's width refused.
    const [latentId] = Object.entries(typedGraph).find(([, node]) => node.class_type.startsWith('Empty')) ?? ['5'];
    const error = inputError('value_bigger_than_max', 'Value 20000 bigger than max of 16384', 'width', 20000);
    return sendJson(
      response,
      400,
      failedValidation({
        [latentId]: { errors: [error], dependent_outputs: outputNodes(typedGraph), class_type: typedGraph[latentId]?.class_type },
      }),
    );
  }
  prompts.push(typedGraph);
  state.counter += 1;
  const promptId = stringOr((body as Record<string, unknown>)['prompt_id'], randomUUID());
  const clientId = (body as Record<string, unknown>)['client_id'];
  const entry = await run(typedGraph, promptId, state, scenario === 'job_failed');
  const readyAt = scenario === 'slow' ? Date.now() + context.slowMs : 0;
  state.history.set(promptId, {
    entry: { ...entry, prompt: [state.counter, promptId, typedGraph, { client_id: clientId }, outputNodes(typedGraph)] },
    readyAt,
    polls: 0,
  });
  const answer = { prompt_id: promptId, number: state.counter, node_errors: {} };
  if (scenario === 'malformed') return sendMalformed(response);
  if (scenario === 'truncated') return sendTruncatedJson(response, answer);
  sendJson(response, 200, answer);
}

function history(response: ServerResponse, promptId: string, state: State): void {
  const item = state.history.get(promptId);
  // Queued or running (the first poll always is), and unknown ids alike: `{}` with 200, never 404.
  if (!item || item.polls++ === 0 || Date.now() < item.readyAt) return sendJson(response, 200, {});
  sendJson(response, 200, { [promptId]: item.entry });
}

function view(response: ServerResponse, call: RecordedCall, state: State): void {
  const filename = call.query.get('filename') ?? '';
  const subfolder = call.query.get('subfolder') ?? '';
  const type = call.query.get('type') ?? 'output';
  if (!filename || filename.startsWith('/') || filename.includes('..') || !['output', 'input', 'temp'].includes(type))
    return void response.writeHead(400).end();
  if (subfolder.includes('..')) return void response.writeHead(403).end();
  const key = subfolder ? `${subfolder}/${filename}` : filename;
  const bytes = type === 'input' ? state.inputs.get(key) : state.outputs.get(key);
  if (!bytes) return void response.writeHead(404).end();
  response
    .writeHead(200, {
      'content-type': 'image/png',
      'content-disposition': `filename="${filename}"`,
      'content-length': String(bytes.length),
    })
    .end(bytes);
}

/** Runs the graph: each SaveImage writes `<prefix>_<counter>_.png` images of its latent's size and batch. */
async function run(graph: Graph, promptId: string, state: State, fail: boolean): Promise<Record<string, unknown>> {
  const startedAt = Date.now();
  const started = ['execution_start', { prompt_id: promptId, timestamp: startedAt }];
  if (fail) {
    const [samplerId] = Object.entries(graph).find(([, node]) => node.class_type === 'KSampler') ?? ['3'];
    const error = {
      prompt_id: promptId,
      node_id: samplerId,
      node_type: 'KSampler',
      executed: [],
      exception_message: 'Allocation on device 0 would exceed allowed memory. (out of memory)',
      exception_type: 'torch.OutOfMemoryError',
      traceback: ['  File "execution.py", line 496, in execute\n'],
      current_inputs: {},
      current_outputs: {},
      timestamp: Date.now(),
    };
    return { outputs: {}, status: { status_str: 'error', completed: false, messages: [started, ['execution_error', error]] }, meta: {} };
  }
  const outputs: Record<string, unknown> = {};
  for (const id of outputNodes(graph)) {
    const node = graph[id]!;
    const { width, height, batch } = await latentOf(graph, node.inputs['images'], state);
    const prefix = String(node.inputs['filename_prefix']);
    const subfolder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const base = prefix.slice(prefix.lastIndexOf('/') + 1);
    const images = [];
    for (let index = 0; index < batch; index += 1) {
      const filename = `${base}_${String(index + 1).padStart(5, '0')}_.png`;
      state.outputs.set(subfolder ? `${subfolder}/${filename}` : filename, await fakeImage(width, height, 'png', index));
      images.push({ filename, subfolder, type: 'output' });
    }
    outputs[id] = { images };
  }
  const done = [
    'execution_success',
    { prompt_id: promptId, timestamp: state.executionMs === undefined ? Date.now() : startedAt + state.executionMs },
  ];
  return { outputs, status: { status_str: 'success', completed: true, messages: [started, done] }, meta: {} };
}

/** Follows links back to the latent's origin: an empty latent's size and batch, or a loaded image's size. */
async function latentOf(graph: Graph, value: unknown, state: State): Promise<{ width: number; height: number; batch: number }> {
  if (!isLink(value)) return { width: 64, height: 64, batch: 1 };
  const node = graph[value[0]]!;
  if (node.class_type.startsWith('Empty'))
    return { width: Number(node.inputs['width']), height: Number(node.inputs['height']), batch: Number(node.inputs['batch_size']) };
  if (node.class_type === 'LoadImage') {
    const metadata = await sharp(state.inputs.get(String(node.inputs['image']))!).metadata();
    return { width: metadata.width ?? 64, height: metadata.height ?? 64, batch: 1 };
  }
  const next = ['samples', 'latent_image', 'pixels'].map((name) => node.inputs[name]).find(isLink);
  return latentOf(graph, next, state);
}

/** `validate_prompt`: undefined when the graph may be queued, else the 400 body. */
function validateGraph(graph: Graph, state: State): Record<string, unknown> | undefined {
  for (const [id, node] of Object.entries(graph)) {
    const classType = typeof node === 'object' && node !== null ? node.class_type : undefined;
    if (typeof classType !== 'string')
      return topError(
        'missing_node_type',
        `Node 'ID #${id}' has no class_type. The workflow may be corrupted or a custom node is missing.`,
        `Node ID '#${id}'`,
        { node_id: id, class_type: null },
      );
    if (!NODE_CLASSES[classType])
      return topError('missing_node_type', `Node '${classType}' not found. The custom node may not be installed.`, `Node ID '#${id}'`, {
        node_id: id,
        class_type: classType,
      });
    for (const value of Object.values(node.inputs ?? {}))
      if (isLink(value) && !graph[value[0]])
        return topError('invalid_prompt', `Node '${value[0]}' linked from node '${id}' does not exist.`, `Node ID '#${id}'`, {
          node_id: id,
        });
  }
  const outputs = outputNodes(graph);
  if (outputs.length === 0) return topError('prompt_no_outputs', 'Prompt has no outputs', '', {});
  const nodeErrors: Record<string, unknown> = {};
  for (const [id, node] of Object.entries(graph)) {
    const errors = validateNode(graph, node, state);
    if (errors.length > 0) nodeErrors[id] = { errors, dependent_outputs: outputs, class_type: node.class_type };
  }
  return Object.keys(nodeErrors).length > 0 ? failedValidation(nodeErrors) : undefined;
}

function validateNode(graph: Graph, node: Graph[string], state: State): InputError[] {
  const spec = NODE_CLASSES[node.class_type]!;
  const all = { ...spec.required, ...spec.optional };
  const errors: InputError[] = [];
  for (const name of Object.keys(node.inputs ?? {}))
    if (!all[name]) errors.push(inputError('unknown_input', 'Unknown input (stricter than ComfyUI)', name, node.inputs[name]));
  for (const [name, input] of Object.entries(all)) {
    const value = node.inputs?.[name];
    if (value === undefined) {
      if (spec.required[name]) errors.push(inputError('required_input_missing', 'Required input is missing', name, undefined));
      continue;
    }
    if (isLink(value)) {
      const source = NODE_CLASSES[graph[value[0]]!.class_type]!;
      const type = source.outputs[value[1]];
      if (input.kind !== 'LINK' || type !== input.type)
        errors.push(inputError('return_type_mismatch', 'Return type mismatch between linked nodes', name, value));
      continue;
    }
    if (input.kind === 'LINK')
      errors.push(inputError('bad_linked_input', 'Bad linked input, must be a length-2 list of [node_id, slot_index]', name, value));
    else if (input.kind === 'STRING') {
      if (typeof value !== 'string')
        errors.push(inputError('invalid_input_type', 'Failed to convert an input value to a STRING value', name, value));
    } else if (input.kind === 'COMBO') {
      const values = input.values(state);
      if (typeof value !== 'string' || !values.includes(value))
        errors.push(
          inputError('value_not_in_list', 'Value not in list', name, value, `${name}: '${String(value)}' not in ${JSON.stringify(values)}`),
        );
    } else if (typeof value !== 'number' || (input.kind === 'INT' && !Number.isInteger(value)))
      errors.push(inputError('invalid_input_type', `Failed to convert an input value to a ${input.kind} value`, name, value));
    else if (value < input.min)
      errors.push(inputError('value_smaller_than_min', `Value ${value} smaller than min of ${input.min}`, name, value));
    else if (value > input.max)
      errors.push(inputError('value_bigger_than_max', `Value ${value} bigger than max of ${input.max}`, name, value));
  }
  return errors;
}

function inputError(type: string, message: string, inputName: string, received: unknown, details?: string): InputError {
  return { type, message, details: details ?? `${inputName}: ${message}`, extra_info: { input_name: inputName, received_value: received } };
}

function failedValidation(nodeErrors: Record<string, unknown>): Record<string, unknown> {
  return {
    error: { type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation', details: '', extra_info: {} },
    node_errors: nodeErrors,
  };
}

function topError(type: string, message: string, details: string, extraInfo: Record<string, unknown>): Record<string, unknown> {
  return { error: { type, message, details, extra_info: extraInfo }, node_errors: {} };
}

function sendTopError(response: ServerResponse, type: string, message: string, details: string, extraInfo: Record<string, unknown>): void {
  sendJson(response, 400, topError(type, message, details, extraInfo));
}

function outputNodes(graph: Graph): string[] {
  return Object.entries(graph)
    .filter(([, node]) => NODE_CLASSES[node.class_type]?.outputNode === true)
    .map(([id]) => id);
}

function isLink(value: unknown): value is [string, number] {
  return Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && Number.isInteger(value[1]);
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value.length > 0 ? value : fallback;
}
