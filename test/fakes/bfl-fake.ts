import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import sharp from 'sharp';
import {
  fakeImage,
  sendJson,
  sendMalformed,
  sendTruncatedJson,
  startFakeUpstream,
  type FakeContext,
  type FakeScenario,
  type FakeUpstream,
  type RecordedCall,
} from './fake-upstream.js';

/**
 * A wire-faithful fake of BFL's FLUX API (https://docs.bfl.ai): `POST /v1/{endpoint}`
 * returns `{id, polling_url, cost, input_mp, output_mp}`; `GET {polling_url}` answers `Pending`
 * a few times, then `Ready` with `result.sample` on a file host whose URLs expire. Keys go in
 * `x-key`; a missing or wrong one is BFL's 403 "Not authenticated". Bodies are validated per
 * endpoint with FastAPI-style 422s. Unlike BFL (pydantic ignores unknown fields) unknown fields are
 * refused too, so a builder that sends `width` to Kontext fails here instead of silently in production.
 */

/** Outcomes the shared scenarios don't cover, scripted per submission (before the shared queue). */
export type BflHook =
  /** 402: the account is out of credits. */
  | 'insufficient_credits'
  /** The output was flagged after generation (`content_policy` scripts the input check instead). */
  | 'content_moderated'
  /** The poll answers `Task not found` (expired or unknown id). */
  | 'task_not_found'
  /** The first poll answers 503, later polls are normal (a blip on the cluster host). */
  | 'poll_unavailable'
  /** `Reasoning` and `Generating` states before `Ready`, as FLUX.2 reports them. */
  | 'reasoning';

export interface BflFake extends FakeUpstream {
  enqueueBfl(...hooks: BflHook[]): void;
  /** `Pending` answers before `Ready` (default 2). */
  pendingPolls: number;
  /** How long result files are served: BFL's signed URLs expire after 10 minutes. */
  resultTtlMs: number;
  /** The `polling_url` handed out; default a cluster-like path on the fake's own origin. */
  pollingUrlFor: (id: string, origin: string) => string;
  /** Balance reported by `GET /v1/credits`. */
  credits: number;
}

type Size = { width: number; height: number };
type Outcome = 'ready' | 'request_moderated' | 'content_moderated' | 'error' | 'task_not_found' | 'result_gone';

interface Task {
  id: string;
  outcome: Outcome;
  pendingLeft: number;
  states: string[];
  readyAt: number;
  pollFailuresLeft: number;
  size: Size;
  format: 'jpeg' | 'png';
  prompt: string;
  sample?: string;
}

/** Per-endpoint schema: which fields exist, how sizes work, and the price in credits. */
interface Endpoint {
  fields: ReadonlySet<string>;
  promptRequired: boolean;
  size: 'flux2' | 'pro11' | 'aspect1mp' | 'aspect4mp' | 'input';
  imageFields: ReadonlyArray<string>;
  safetyMax: number;
  steps?: { min: number; max: number };
  defaultFormat: 'jpeg' | 'png';
  /** Credits: fixed, or FLUX.2's first megapixel + each further output and input megapixel. */
  price: { fixed: number } | { first: number; perMp: number };
}

const COMMON = ['prompt', 'seed', 'safety_tolerance', 'output_format', 'webhook_url', 'webhook_secret'];
const imageFields = (field: string, count: number) =>
  Array.from({ length: count }, (_, index) => (index === 0 ? field : `${field}_${index + 1}`));
const flux2 = (
  images: number,
  extra: string[],
  price: { first: number; perMp: number },
  steps?: { min: number; max: number },
): Endpoint => ({
  fields: new Set([...COMMON, 'width', 'height', ...imageFields('input_image', images), ...extra]),
  promptRequired: true,
  size: 'flux2',
  imageFields: imageFields('input_image', images),
  safetyMax: 5,
  ...(steps ? { steps } : {}),
  defaultFormat: 'jpeg',
  price,
});
const kontext = (credits: number): Endpoint => ({
  fields: new Set([...COMMON, 'aspect_ratio', 'prompt_upsampling', ...imageFields('input_image', 4)]),
  promptRequired: true,
  size: 'aspect1mp',
  imageFields: imageFields('input_image', 4),
  safetyMax: 6,
  defaultFormat: 'png',
  price: { fixed: credits },
});

const ENDPOINTS: Record<string, Endpoint> = {
  'flux-2-pro': flux2(8, ['disable_pup'], { first: 3, perMp: 1.5 }),
  // BFL's preview of the next FLUX.2 [pro]: the built-in catalog has no route to it.
  'flux-2-pro-preview': flux2(8, ['disable_pup'], { first: 3, perMp: 1.5 }),
  'flux-2-max': flux2(8, ['disable_pup'], { first: 7, perMp: 3 }),
  'flux-2-flex': flux2(8, ['prompt_upsampling', 'guidance', 'steps'], { first: 5, perMp: 5 }, { min: 1, max: 50 }),
  'flux-2-klein-4b': flux2(4, [], { first: 1.4, perMp: 0.1 }),
  'flux-2-klein-9b': flux2(4, [], { first: 1.5, perMp: 0.2 }),
  'flux-kontext-pro': kontext(4),
  'flux-kontext-max': kontext(8),
  'flux-pro-1.1': {
    fields: new Set([...COMMON, 'width', 'height', 'prompt_upsampling', 'image_prompt']),
    promptRequired: false,
    size: 'pro11',
    imageFields: [],
    safetyMax: 6,
    defaultFormat: 'jpeg',
    price: { fixed: 4 },
  },
  'flux-pro-1.1-ultra': {
    fields: new Set([...COMMON, 'aspect_ratio', 'raw', 'prompt_upsampling', 'image_prompt', 'image_prompt_strength']),
    promptRequired: true,
    size: 'aspect4mp',
    imageFields: [],
    safetyMax: 6,
    defaultFormat: 'jpeg',
    price: { fixed: 6 },
  },
  'flux-pro-1.0-fill': {
    fields: new Set([...COMMON, 'image', 'mask', 'steps', 'guidance', 'prompt_upsampling']),
    promptRequired: false,
    size: 'input',
    imageFields: ['image'],
    safetyMax: 6,
    steps: { min: 15, max: 50 },
    defaultFormat: 'jpeg',
    price: { fixed: 5 },
  },
};

const SUPPORTED: FakeScenario[] = [
  'success',
  'rate_limited',
  'bad_request',
  'content_policy',
  'server_error',
  'unauthorized',
  'slow',
  'malformed',
  'truncated',
  'job_failed',
  'result_gone',
];
const FLUX2_MAX_PIXELS = 2048 * 2048;

/** A FastAPI validation problem. */
interface Problem {
  type: string;
  loc: Array<string | number>;
  msg: string;
  input?: unknown;
}

class ValidationFailure extends Error {
  constructor(readonly problems: Problem[]) {
    super('validation failed');
  }
}

export async function startBflFake(options: { apiKey?: string } = {}): Promise<BflFake> {
  const apiKey = options.apiKey ?? 'bfl_fake_key_0123456789';
  const tasks = new Map<string, Task>();
  const hooks: BflHook[] = [];
  // Read by the handler at request time; set once the server is up.
  let settings: Pick<BflFake, 'pendingPolls' | 'resultTtlMs' | 'pollingUrlFor' | 'credits'>;

  const handler = async (request: IncomingMessage, response: ServerResponse, call: RecordedCall, context: FakeContext): Promise<void> => {
    if (!authorised(call, apiKey, response)) return;
    if (call.method === 'GET' && call.path === '/v1/credits') return sendJson(response, 200, { credits: settings.credits });
    if (call.method === 'GET' && (call.path === '/v1/get_result' || call.path === '/us1/v1/get_result'))
      return poll(call, response, context);
    const endpoint = call.method === 'POST' && call.path.startsWith('/v1/') ? ENDPOINTS[call.path.slice('/v1/'.length)] : undefined;
    if (!endpoint)
      return sendJson(response, call.method === 'POST' ? 404 : 405, {
        detail: call.method === 'POST' ? 'Not Found' : 'Method Not Allowed',
      });
    return submit(endpoint, call, response, context);
  };

  async function submit(endpoint: Endpoint, call: RecordedCall, response: ServerResponse, context: FakeContext): Promise<void> {
    const hook = hooks.shift();
    const scenario = hook ? 'success' : context.nextScenario();
    switch (scenario) {
      case 'rate_limited':
        return sendJson(
          response,
          429,
          { detail: 'You have reached the maximum number of active tasks. Please wait for a task to finish.' },
          { 'retry-after': '2' },
        );
      case 'bad_request':
        return sendJson(response, 400, { detail: 'Invalid request format' });
      case 'server_error':
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Internal Server Error');
        return;
      case 'unauthorized':
        return sendJson(response, 403, { detail: 'Not authenticated - Invalid Authentication' });
      case 'malformed':
        return sendMalformed(response);
      case 'truncated':
        return sendTruncatedJson(response, {
          id: randomUUID(),
          polling_url: settings.pollingUrlFor('x', context.origin),
          cost: 3,
          input_mp: 0,
          output_mp: 1.05,
        });
      default:
        break;
    }
    if (hook === 'insufficient_credits') return sendJson(response, 402, { detail: 'Insufficient credits. Please top up your account.' });

    let accepted: { size: Size; format: 'jpeg' | 'png'; inputMp: number; prompt: string };
    try {
      accepted = await validate(endpoint, call.body);
    } catch (error) {
      if (error instanceof ValidationFailure) return sendJson(response, 422, { detail: error.problems });
      throw error;
    }
    const id = randomUUID();
    const outputMp = round2((accepted.size.width * accepted.size.height) / 1_000_000);
    tasks.set(id, {
      id,
      outcome: outcomeFor(scenario, hook),
      pendingLeft: settings.pendingPolls,
      states: hook === 'reasoning' ? ['Reasoning', 'Generating'] : [],
      readyAt: scenario === 'slow' ? Date.now() + context.slowMs : 0,
      pollFailuresLeft: hook === 'poll_unavailable' ? 1 : 0,
      size: accepted.size,
      format: accepted.format,
      prompt: accepted.prompt,
    });
    sendJson(response, 200, {
      id,
      polling_url: settings.pollingUrlFor(id, context.origin),
      cost: credits(endpoint, outputMp, accepted.inputMp),
      input_mp: round2(accepted.inputMp),
      output_mp: outputMp,
    });
  }

  async function poll(call: RecordedCall, response: ServerResponse, context: FakeContext): Promise<void> {
    const id = call.query.get('id') ?? '';
    const task = tasks.get(id);
    const base = { id, result: null, progress: null, details: null, preview: null };
    if (!task || task.outcome === 'task_not_found') return sendJson(response, 200, { ...base, status: 'Task not found' });
    if (task.pollFailuresLeft > 0) {
      task.pollFailuresLeft -= 1;
      return sendJson(response, 503, { detail: 'Service temporarily unavailable' });
    }
    const state = task.states.shift();
    if (state) return sendJson(response, 200, { ...base, status: state, progress: 0.5 });
    if (task.pendingLeft > 0 || Date.now() < task.readyAt) {
      task.pendingLeft = Math.max(0, task.pendingLeft - 1);
      return sendJson(response, 200, { ...base, status: 'Pending', progress: 0.4 });
    }
    switch (task.outcome) {
      case 'request_moderated':
        return sendJson(response, 200, {
          ...base,
          status: 'Request Moderated',
          details: { 'Moderation Reasons': ['Derivative Works Filter'] },
        });
      case 'content_moderated':
        return sendJson(response, 200, { ...base, status: 'Content Moderated', details: { 'Moderation Reasons': ['NSFW'] } });
      case 'error':
        return sendJson(response, 200, { ...base, status: 'Error' });
      default:
        break;
    }
    if (!task.sample) {
      const bytes = await fakeImage(task.size.width, task.size.height, task.format);
      const sample = context.hostFile(bytes, task.format === 'jpeg' ? 'jpeg' : 'png', task.format === 'jpeg' ? 'image/jpeg' : 'image/png');
      task.sample = sample;
      if (task.outcome === 'result_gone') context.dropFile(sample);
      else setTimeout(() => context.dropFile(sample), settings.resultTtlMs).unref();
    }
    const now = Date.now() / 1000;
    sendJson(response, 200, {
      ...base,
      status: 'Ready',
      result: { sample: task.sample, prompt: task.prompt, seed: 42, start_time: now - 2, end_time: now, duration: 2 },
    });
  }

  const upstream = await startFakeUpstream({ basePath: '/v1', supports: SUPPORTED, handler });
  // The shared fake (calls, scenarios, file host) with BFL's knobs on top; its accessors are inherited.
  const fake: BflFake = Object.assign(Object.create(upstream) as FakeUpstream, {
    enqueueBfl: (...scripted: BflHook[]) => void hooks.push(...scripted),
    pendingPolls: 2,
    resultTtlMs: 10 * 60_000,
    pollingUrlFor: (id: string, origin: string) => `${origin}/us1/v1/get_result?id=${id}`,
    credits: 1234.5,
  });
  settings = fake;
  return fake;
}

/** BFL's FastAPI key check: 403 for a missing header and for a wrong key alike. */
function authorised(call: RecordedCall, apiKey: string, response: ServerResponse): boolean {
  const key = call.headers['x-key'];
  if (key === undefined) {
    sendJson(response, 403, { detail: 'Not authenticated' });
    return false;
  }
  if (key !== apiKey) {
    sendJson(response, 403, { detail: 'Not authenticated - Invalid Authentication' });
    return false;
  }
  return true;
}

function outcomeFor(scenario: FakeScenario, hook: BflHook | undefined): Outcome {
  if (hook === 'content_moderated') return 'content_moderated';
  if (hook === 'task_not_found') return 'task_not_found';
  if (scenario === 'content_policy') return 'request_moderated';
  if (scenario === 'job_failed') return 'error';
  if (scenario === 'result_gone') return 'result_gone';
  return 'ready';
}

function credits(endpoint: Endpoint, outputMp: number, inputMp: number): number {
  if ('fixed' in endpoint.price) return endpoint.price.fixed;
  const { first, perMp } = endpoint.price;
  return round2(first + Math.max(0, outputMp - 1) * perMp + inputMp * perMp);
}

const round2 = (value: number) => Math.round(value * 100) / 100;

/** Validates a submit body like BFL's pydantic models do; returns what the task will produce. */
async function validate(endpoint: Endpoint, raw: Buffer): Promise<{ size: Size; format: 'jpeg' | 'png'; inputMp: number; prompt: string }> {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ValidationFailure([{ type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error' }]);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ValidationFailure([{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary' }]);
  const fields = body as Record<string, unknown>;
  const problems: Problem[] = [];
  const problem = (field: string, type: string, msg: string) => problems.push({ type, loc: ['body', field], msg, input: fields[field] });

  for (const field of Object.keys(fields))
    if (!endpoint.fields.has(field)) problem(field, 'extra_forbidden', 'Extra inputs are not permitted');
  if (endpoint.promptRequired && typeof fields['prompt'] !== 'string') problem('prompt', 'missing', 'Field required');
  if (fields['prompt'] !== undefined && typeof fields['prompt'] !== 'string')
    problem('prompt', 'string_type', 'Input should be a valid string');
  checkInteger(fields, 'seed', -(2 ** 53), 2 ** 53, problem);
  checkInteger(fields, 'safety_tolerance', 0, endpoint.safetyMax, problem);
  if (endpoint.steps) checkInteger(fields, 'steps', endpoint.steps.min, endpoint.steps.max, problem);
  for (const flag of ['prompt_upsampling', 'disable_pup', 'raw']) {
    if (fields[flag] !== undefined && typeof fields[flag] !== 'boolean') problem(flag, 'bool_type', 'Input should be a valid boolean');
  }
  const format = fields['output_format'] ?? endpoint.defaultFormat;
  if (format !== 'jpeg' && format !== 'png') problem('output_format', 'enum', "Input should be 'jpeg' or 'png'");

  const images: Size[] = [];
  for (const field of endpoint.imageFields) {
    if (fields[field] === undefined || fields[field] === null) continue;
    const size = await decodedSize(fields[field]);
    if (size) images.push(size);
    else problem(field, 'value_error', 'Value error, Invalid image: expected a base64-encoded JPEG, PNG or WebP');
  }
  if (endpoint.size === 'input') {
    if (fields['image'] === undefined) problem('image', 'missing', 'Field required');
    if (fields['mask'] !== undefined) {
      const mask = await decodedSize(fields['mask']);
      const image = images[0];
      if (!mask) problem('mask', 'value_error', 'Value error, Invalid mask image');
      else if (image && (mask.width !== image.width || mask.height !== image.height))
        problem('mask', 'value_error', 'Value error, Mask dimensions must match the image dimensions');
    }
  }
  const size = outputSize(endpoint, fields, images, problem);
  if (problems.length > 0) throw new ValidationFailure(problems);
  const inputMp = images.reduce((sum, image) => sum + (image.width * image.height) / 1_000_000, 0);
  return {
    size,
    format: format === 'png' ? 'png' : 'jpeg',
    inputMp: endpoint.size === 'flux2' ? inputMp : 0,
    prompt: typeof fields['prompt'] === 'string' ? fields['prompt'] : '',
  };
}

function checkInteger(
  fields: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
  problem: (field: string, type: string, msg: string) => void,
): void {
  const value = fields[field];
  if (value === undefined || value === null) return;
  if (typeof value !== 'number' || !Number.isInteger(value)) problem(field, 'int_type', 'Input should be a valid integer');
  else if (value < min || value > max)
    problem(
      field,
      value < min ? 'greater_than_equal' : 'less_than_equal',
      `Input should be ${value < min ? `greater than or equal to ${min}` : `less than or equal to ${max}`}`,
    );
}

/** BFL takes raw base64 (or a URL, which this fake doesn't fetch). */
async function decodedSize(value: unknown): Promise<Size | undefined> {
  if (typeof value !== 'string' || value.startsWith('data:') || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return undefined;
  try {
    const metadata = await sharp(Buffer.from(value, 'base64')).metadata();
    return metadata.width && metadata.height ? { width: metadata.width, height: metadata.height } : undefined;
  } catch {
    return undefined;
  }
}

function outputSize(
  endpoint: Endpoint,
  fields: Record<string, unknown>,
  images: Size[],
  problem: (field: string, type: string, msg: string) => void,
): Size {
  const first = images[0];
  switch (endpoint.size) {
    case 'flux2': {
      const width = dimension(fields, 'width', 16, 64, Number.POSITIVE_INFINITY, problem);
      const height = dimension(fields, 'height', 16, 64, Number.POSITIVE_INFINITY, problem);
      if (width && height && width * height > FLUX2_MAX_PIXELS)
        problem('width', 'value_error', 'Value error, width * height must not exceed 4 megapixels');
      if (width && height) return { width, height };
      // Without a size FLUX.2 follows the first input image (capped at 4 MP), else 1024².
      return first ? capped(first) : { width: 1024, height: 1024 };
    }
    case 'pro11':
      return {
        width: dimension(fields, 'width', 32, 256, 1440, problem) ?? 1024,
        height: dimension(fields, 'height', 32, 256, 1440, problem) ?? 768,
      };
    case 'aspect1mp':
    case 'aspect4mp': {
      const megapixels = endpoint.size === 'aspect1mp' ? 1 : 4;
      const ratio = fields['aspect_ratio'];
      if (ratio === undefined)
        return pixelsFor(first ? first.width / first.height : endpoint.size === 'aspect1mp' ? 1 : 16 / 9, megapixels);
      const match = typeof ratio === 'string' ? /^(\d+):(\d+)$/.exec(ratio) : null;
      const value = match ? Number(match[1]) / Number(match[2]) : Number.NaN;
      if (!(value >= 9 / 21 - 1e-9 && value <= 21 / 9 + 1e-9)) {
        problem('aspect_ratio', 'value_error', 'Value error, Aspect ratio must be between 21:9 and 9:21');
        return { width: 1024, height: 1024 };
      }
      return pixelsFor(value, megapixels);
    }
    case 'input':
      return first ?? { width: 1024, height: 1024 };
  }
}

function dimension(
  fields: Record<string, unknown>,
  field: string,
  multiple: number,
  min: number,
  max: number,
  problem: (field: string, type: string, msg: string) => void,
): number | undefined {
  const value = fields[field];
  if (value === undefined || value === null || value === 0) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) problem(field, 'int_type', 'Input should be a valid integer');
  else if (value < min || value > max) problem(field, 'value_error', `Input should be between ${min} and ${max}`);
  else if (value % multiple !== 0) problem(field, 'multiple_of', `Input should be a multiple of ${multiple}`);
  else return value;
  return undefined;
}

function pixelsFor(ratio: number, megapixels: number): Size {
  const area = megapixels * 1024 * 1024;
  return { width: Math.round(Math.sqrt(area * ratio) / 32) * 32, height: Math.round(Math.sqrt(area / ratio) / 32) * 32 };
}

function capped(size: Size): Size {
  const scale = Math.min(1, Math.sqrt(FLUX2_MAX_PIXELS / (size.width * size.height)));
  return {
    width: Math.max(64, Math.floor((size.width * scale) / 16) * 16),
    height: Math.max(64, Math.floor((size.height * scale) / 16) * 16),
  };
}
