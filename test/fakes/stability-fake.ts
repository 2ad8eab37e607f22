import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import sharp, { type Metadata } from 'sharp';
import {
  fakeImage,
  formDataOf,
  sendJson,
  sendMalformed,
  sendTruncatedJson,
  sleep,
  startFakeUpstream,
  type FakeScenario,
  type FakeUpstream,
  type RecordedCall,
} from './fake-upstream.js';

/**
 * A wire-faithful Stability AI REST v2beta (Stable Image generate and edit endpoints): Bearer auth,
 * multipart bodies only (JSON is a 400), Stability's field rules per endpoint (required fields,
 * enums, ranges, SD3's image-to-image mode, Ultra's strength, remove-background's no-JPEG, masks),
 * the 10 MiB body limit, both answers (`Accept: application/json` → `{image, finish_reason, seed}`,
 * `image/*` → bytes with `finish-reason`/`seed` headers), output of about one megapixel by aspect
 * ratio, the `{id, name, errors}` error envelope for every scripted failure, and the async flow
 * (creative upscale: `200 {id}`, then `GET /v2beta/results/{id}` answering 202 until the result).
 */

export const STABILITY_FAKE_API_KEY = 'sk-fake-stability-0123456789abcdef';

export interface StabilityFakeOptions {
  /** The only key the fake accepts. */
  apiKey?: string;
  /**
   * How the `content_policy` scenario arrives: a 403 `content_moderation` (a flagged prompt), or a
   * 200 whose `finish_reason` is `CONTENT_FILTERED` (a blurred output).
   */
  contentPolicyAs?: 'moderation' | 'filtered';
}

const SCENARIOS: FakeScenario[] = [
  'success',
  'rate_limited',
  'bad_request',
  'content_policy',
  'server_error',
  'unauthorized',
  'slow',
  'malformed',
  'truncated',
];
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const RETRY_AFTER_SECONDS = 2;
const ASPECT_RATIOS = ['21:9', '16:9', '3:2', '5:4', '1:1', '4:5', '2:3', '9:16', '9:21'];
const STYLE_PRESETS = [
  '3d-model',
  'analog-film',
  'anime',
  'cinematic',
  'comic-book',
  'digital-art',
  'enhance',
  'fantasy-art',
  'isometric',
  'line-art',
  'low-poly',
  'modeling-compound',
  'neon-punk',
  'origami',
  'photographic',
  'pixel-art',
  'tile-texture',
];
const SD3_MODELS = ['sd3.5-large', 'sd3.5-large-turbo', 'sd3.5-medium', 'sd3.5-flash', 'sd3-large', 'sd3-large-turbo', 'sd3-medium'];
const ALL_FORMATS = ['png', 'jpeg', 'webp'];

/** What one endpoint takes: Stability's rules as its API reference states them. */
interface EndpointRules {
  prompt: 'required' | 'optional' | 'none';
  image: 'none' | 'ultra' | 'sd3' | 'required';
  mask: boolean;
  growMaskMax?: number;
  searchPrompt?: boolean;
  aspectRatio: boolean;
  formats: string[];
}

const ENDPOINTS: Readonly<Record<string, EndpointRules>> = {
  'generate/ultra': { prompt: 'required', image: 'ultra', mask: false, aspectRatio: true, formats: ALL_FORMATS },
  'generate/core': { prompt: 'required', image: 'none', mask: false, aspectRatio: true, formats: ALL_FORMATS },
  'generate/sd3': { prompt: 'required', image: 'sd3', mask: false, aspectRatio: true, formats: ALL_FORMATS },
  'edit/inpaint': { prompt: 'required', image: 'required', mask: true, growMaskMax: 100, aspectRatio: false, formats: ALL_FORMATS },
  'edit/erase': { prompt: 'none', image: 'required', mask: true, growMaskMax: 20, aspectRatio: false, formats: ALL_FORMATS },
  'edit/search-and-replace': {
    prompt: 'required',
    image: 'required',
    mask: false,
    growMaskMax: 20,
    searchPrompt: true,
    aspectRatio: false,
    formats: ALL_FORMATS,
  },
  'edit/remove-background': { prompt: 'none', image: 'required', mask: false, aspectRatio: false, formats: ['png', 'webp'] },
};

/** A 4xx the real API would give, with the `errors` text naming the field. */
class Refusal {
  constructor(
    readonly status: number,
    readonly name: string,
    readonly message: string,
  ) {}
}

interface DecodedImage {
  width: number;
  height: number;
  hasAlpha: boolean;
}

export async function startStabilityFake(options: StabilityFakeOptions = {}): Promise<FakeUpstream> {
  const apiKey = options.apiKey ?? STABILITY_FAKE_API_KEY;
  const jobs = new Map<string, AsyncJob>();
  return startFakeUpstream({
    basePath: '',
    supports: SCENARIOS,
    handler: async (_request, response, call, context) => {
      const poll = /^\/v2beta\/results\/([0-9a-f]+)$/.exec(call.path);
      if (poll && call.method === 'GET') return answerPoll(response, call, jobs, poll[1]!, apiKey);
      if (call.path === '/v2beta/stable-image/upscale/creative' && call.method === 'POST') {
        return startCreativeUpscale(response, call, jobs, apiKey);
      }
      const match = /^\/v2beta\/stable-image\/([a-z-]+\/[a-z0-9-]+)$/.exec(call.path);
      const rules = match ? ENDPOINTS[match[1]!] : undefined;
      if (!rules || call.method !== 'POST') return sendError(response, 404, 'not_found', `${call.method} ${call.path}: no such route`);
      const scenario = context.nextScenario();
      if (scenario === 'unauthorized' || call.headers['authorization'] !== `Bearer ${apiKey}`) {
        return sendError(response, 401, 'unauthorized', 'authorization: invalid or missing API key');
      }
      if (call.body.length > MAX_BODY_BYTES) return sendError(response, 413, 'payload_too_large', 'body: must be at most 10 MiB');
      switch (scenario) {
        case 'rate_limited':
          return sendError(
            response,
            429,
            'rate_limit_exceeded',
            'You have exceeded the rate limit of 150 requests within a 10 second period',
            {
              'retry-after': String(RETRY_AFTER_SECONDS),
            },
          );
        case 'bad_request':
          return sendError(response, 400, 'bad_request', 'aspect_ratio: must be one of 21:9, 16:9, 3:2, 5:4, 1:1, 4:5, 2:3, 9:16, 9:21');
        case 'server_error':
          return sendError(response, 500, 'internal_error', 'An unexpected server error occurred, please try again.');
        case 'content_policy':
          if (options.contentPolicyAs !== 'filtered') {
            return sendError(response, 403, 'content_moderation', 'Your request was flagged by our content moderation system');
          }
          break;
        case 'slow':
          await sleep(context.slowMs);
          break;
        default:
          break;
      }
      let output: { width: number; height: number; format: string };
      try {
        output = await validate(call, rules, match![1]!);
      } catch (error) {
        if (error instanceof Refusal) return sendError(response, error.status, error.name, error.message);
        throw error;
      }
      const seed = String(1 + (randomBytes(4).readUInt32BE(0) % 4_294_967_294));
      const finishReason = scenario === 'content_policy' ? 'CONTENT_FILTERED' : 'SUCCESS';
      const bytes = await fakeImage(output.width, output.height, output.format as 'png' | 'jpeg' | 'webp');
      const body = { image: bytes.toString('base64'), finish_reason: finishReason, seed: Number(seed) };
      if (scenario === 'malformed') return sendMalformed(response);
      if (scenario === 'truncated') return sendTruncatedJson(response, body);
      const requestId = randomBytes(16).toString('hex');
      if (String(call.headers['accept'] ?? '').includes('application/json')) {
        return sendJson(response, 200, body, {
          'content-type': `application/json; type=image/${output.format}`,
          'x-request-id': requestId,
        });
      }
      response
        .writeHead(200, {
          'content-type': `image/${output.format}`,
          'content-length': String(bytes.length),
          'finish-reason': finishReason,
          seed,
          'x-request-id': requestId,
        })
        .end(bytes);
    },
  });
}

/** An async generation (creative upscale): in progress for a few polls, then the result, for the key that started it. */
interface AsyncJob {
  apiKey: string;
  pollsLeft: number;
  width: number;
  height: number;
  format: string;
}

/** Polls a job answers 202 to before its result. */
const POLLS_IN_PROGRESS = 2;

/**
 * `POST /v2beta/stable-image/upscale/creative`: multipart `image` (64 px to 1 MP) and `prompt`;
 * answers 200 (not 202) with `{id}`, a 64-character hex generation id.
 */
async function startCreativeUpscale(
  response: ServerResponse,
  call: RecordedCall,
  jobs: Map<string, AsyncJob>,
  apiKey: string,
): Promise<void> {
  if (call.headers['authorization'] !== `Bearer ${apiKey}`)
    return sendError(response, 401, 'unauthorized', 'authorization: invalid or missing API key');
  try {
    if (!String(call.headers['content-type'] ?? '').startsWith('multipart/form-data')) {
      throw new Refusal(400, 'bad_request', 'content-type: must be multipart/form-data');
    }
    const form = await formDataOf(call);
    const prompt = form.get('prompt');
    if (typeof prompt !== 'string' || prompt.length === 0) throw new Refusal(400, 'bad_request', 'prompt: cannot be empty');
    const image = await readImage(form, 'image');
    if (!image) throw new Refusal(400, 'bad_request', 'image: required');
    if (image.width * image.height > 1_048_576) throw new Refusal(400, 'bad_request', 'image: must have at most 1048576 pixels');
    const format = typeof form.get('output_format') === 'string' ? String(form.get('output_format')) : 'png';
    checkEnum(format, 'output_format', ALL_FORMATS);
    const scale = Math.max(1, Math.floor(Math.sqrt(4_194_304 / (image.width * image.height))));
    const id = randomBytes(32).toString('hex');
    jobs.set(id, { apiKey, pollsLeft: POLLS_IN_PROGRESS, width: image.width * scale, height: image.height * scale, format });
    sendJson(response, 200, { id });
  } catch (error) {
    if (error instanceof Refusal) return sendError(response, error.status, error.name, error.message);
    throw error;
  }
}

/** `GET /v2beta/results/{id}`: 202 while in progress, then 200 as a sync answer; 404 for an unknown id or another key. */
async function answerPoll(
  response: ServerResponse,
  call: RecordedCall,
  jobs: Map<string, AsyncJob>,
  id: string,
  apiKey: string,
): Promise<void> {
  if (call.headers['authorization'] !== `Bearer ${apiKey}`)
    return sendError(response, 401, 'unauthorized', 'authorization: invalid or missing API key');
  const job = jobs.get(id);
  if (!job || job.apiKey !== apiKey)
    return sendError(response, 404, 'not_found', `id: no generation ${id} (unknown, another key's, or older than 24 hours)`);
  if (job.pollsLeft > 0) {
    job.pollsLeft -= 1;
    return sendJson(response, 202, { id, status: 'in-progress' });
  }
  const bytes = await fakeImage(job.width, job.height, job.format as 'png' | 'jpeg' | 'webp');
  if (String(call.headers['accept'] ?? '').includes('application/json')) {
    return sendJson(
      response,
      200,
      { image: bytes.toString('base64'), finish_reason: 'SUCCESS', seed: 1 },
      { 'content-type': `application/json; type=image/${job.format}` },
    );
  }
  response
    .writeHead(200, {
      'content-type': `image/${job.format}`,
      'content-length': String(bytes.length),
      'finish-reason': 'SUCCESS',
      seed: '1',
    })
    .end(bytes);
}

/** Stability's rules for one endpoint; the output's size and format when the request passes. */
async function validate(
  call: RecordedCall,
  rules: EndpointRules,
  endpoint: string,
): Promise<{ width: number; height: number; format: string }> {
  if (!String(call.headers['content-type'] ?? '').startsWith('multipart/form-data')) {
    throw new Refusal(400, 'bad_request', 'content-type: must be multipart/form-data');
  }
  const form = await formDataOf(call);
  const text = (name: string): string | undefined => {
    const value = form.get(name);
    if (value === null) return undefined;
    if (typeof value !== 'string') throw new Refusal(400, 'bad_request', `${name}: must be a text field`);
    return value;
  };
  const prompt = text('prompt');
  if (rules.prompt === 'required' && !prompt) throw new Refusal(400, 'bad_request', 'prompt: cannot be empty');
  if (prompt !== undefined && prompt.length > 10_000) throw new Refusal(400, 'bad_request', 'prompt: must be at most 10000 characters');
  const negative = text('negative_prompt');
  if (negative !== undefined && negative.length > 10_000)
    throw new Refusal(400, 'bad_request', 'negative_prompt: must be at most 10000 characters');
  checkEnum(text('style_preset'), 'style_preset', STYLE_PRESETS);
  checkNumber(text('seed'), 'seed', 0, 4_294_967_294, true);
  const format = text('output_format') ?? 'png';
  checkEnum(format, 'output_format', rules.formats);
  if (rules.growMaskMax !== undefined) checkNumber(text('grow_mask'), 'grow_mask', 0, rules.growMaskMax, true);
  if (rules.searchPrompt && !text('search_prompt')) throw new Refusal(400, 'bad_request', 'search_prompt: cannot be empty');

  const mode = text('mode');
  if (endpoint === 'generate/sd3') {
    checkEnum(mode, 'mode', ['text-to-image', 'image-to-image']);
    checkEnum(text('model'), 'model', SD3_MODELS);
    checkNumber(text('cfg_scale'), 'cfg_scale', 1, 10, false);
  }
  const image = await readImage(form, 'image');
  const aspectRatio = text('aspect_ratio');
  checkEnum(aspectRatio, 'aspect_ratio', ASPECT_RATIOS);
  if (aspectRatio !== undefined && !rules.aspectRatio)
    throw new Refusal(400, 'bad_request', 'aspect_ratio: not a parameter of this endpoint');
  const strength = text('strength');
  checkNumber(strength, 'strength', 0, 1, false);
  switch (rules.image) {
    case 'none':
      if (image) throw new Refusal(400, 'bad_request', 'image: not a parameter of this endpoint');
      break;
    case 'ultra':
      if (image && strength === undefined) throw new Refusal(400, 'bad_request', 'strength: required when image is provided');
      break;
    case 'sd3':
      if (mode === 'image-to-image') {
        if (!image) throw new Refusal(400, 'bad_request', 'image: required in image-to-image mode');
        if (strength === undefined) throw new Refusal(400, 'bad_request', 'strength: required in image-to-image mode');
        if (aspectRatio !== undefined) throw new Refusal(400, 'bad_request', 'aspect_ratio: not allowed in image-to-image mode');
      } else if (image) {
        throw new Refusal(400, 'bad_request', 'image: only allowed in image-to-image mode');
      }
      break;
    case 'required':
      if (!image) throw new Refusal(400, 'bad_request', 'image: required');
      break;
  }
  const mask = await readImage(form, 'mask');
  if (mask && !rules.mask) throw new Refusal(400, 'bad_request', 'mask: not a parameter of this endpoint');
  // Without a mask Stability edits the image's transparent pixels; an opaque image leaves nothing to edit.
  if (rules.mask && !mask && image && !image.hasAlpha)
    throw new Refusal(400, 'bad_request', 'mask: required when image has no alpha channel');
  if (image) return { width: image.width, height: image.height, format };
  return { ...sizeForRatio(aspectRatio ?? '1:1'), format };
}

/** About one megapixel at the ratio, edges multiples of 64 (1:1 → 1024x1024). */
function sizeForRatio(ratio: string): { width: number; height: number } {
  const [w = 1, h = 1] = ratio.split(':').map(Number);
  const height = Math.round(Math.sqrt((1024 * 1024 * h) / w) / 64) * 64;
  const width = Math.round((height * w) / h / 64) * 64;
  return { width, height };
}

async function readImage(form: FormData, name: string): Promise<DecodedImage | undefined> {
  const value = form.get(name);
  if (value === null) return undefined;
  if (typeof value === 'string') throw new Refusal(400, 'bad_request', `${name}: must be a file`);
  const bytes = Buffer.from(await value.arrayBuffer());
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes).metadata();
  } catch {
    throw new Refusal(400, 'bad_request', `${name}: unsupported or corrupt image`);
  }
  if (!['png', 'jpeg', 'webp'].includes(metadata.format ?? '')) throw new Refusal(400, 'bad_request', `${name}: must be jpeg, png or webp`);
  const width = metadata.width ?? 0;
  const height = metadata.height ?? 0;
  if (name === 'image') {
    if (width < 64 || height < 64) throw new Refusal(400, 'bad_request', `${name}: each side must be at least 64 pixels`);
    const pixels = width * height;
    if (pixels < 4096 || pixels > 9_437_184) throw new Refusal(400, 'bad_request', `${name}: must have 4096 to 9437184 pixels`);
  }
  return { width, height, hasAlpha: metadata.hasAlpha === true };
}

function checkEnum(value: string | undefined, name: string, allowed: readonly string[]): void {
  if (value !== undefined && !allowed.includes(value))
    throw new Refusal(400, 'bad_request', `${name}: must be one of ${allowed.join(', ')}`);
}

function checkNumber(value: string | undefined, name: string, min: number, max: number, integer: boolean): void {
  if (value === undefined) return;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < min || number > max || (integer && !Number.isInteger(number))) {
    throw new Refusal(400, 'bad_request', `${name}: must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
  }
}

function sendError(response: ServerResponse, status: number, name: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(response, status, { id: randomBytes(16).toString('hex'), name, errors: [message] }, headers);
}
