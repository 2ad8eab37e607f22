import type { ServerResponse } from 'node:http';
import sharp from 'sharp';
import {
  fakeImage,
  sendJson,
  sendMalformed,
  sendTruncatedJson,
  sleep,
  startFakeUpstream,
  type FakeContext,
  type FakeUpstream,
  type RecordedCall,
} from './fake-upstream.js';

/**
 * A wire-faithful fake of the AUTOMATIC1111 / Forge SD WebUI API (`/sdapi/v1/*`, started with
 * `--api`): blocking `txt2img` and `img2img` that answer `{images, parameters, info}` with `info`
 * as JSON text, a leading grid image for batches (`index_of_first_image: 1`), `--api-auth` HTTP
 * Basic with the middleware's 401 body, `404 Init image not found` / `Sampler not found`, FastAPI
 * 422s for fields of the wrong type, and 500 `Invalid encoded image` for a bad image or mask.
 * Like the BFL fake, and unlike the server (pydantic ignores them), unknown body fields are refused
 * with a 422, so a misspelt field fails here rather than silently in production.
 */

export interface Automatic1111Fake extends FakeUpstream {
  /** Checkpoint titles `GET /sd-models` lists; an unknown `sd_model_checkpoint` falls back to the loaded one, as the server does. */
  checkpoints: string[];
  /** Whether batches of more than one image come back after a grid image (the server's default). */
  grids: boolean;
  /** Every txt2img/img2img body accepted, in order, with the checkpoint it ran on. */
  readonly generations: Array<{ path: string; body: Record<string, unknown>; checkpoint: string }>;
}

export const A1111_CHECKPOINTS = ['v1-5-pruned-emaonly.safetensors [6ce0161689]', 'sd_xl_base_1.0.safetensors [31e35c80fc]'];
const SAMPLERS = ['Euler', 'Euler a', 'DPM++ 2M', 'DPM++ SDE', 'DPM++ 2M SDE', 'DDIM', 'LMS', 'Heun'];

type FieldType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array';
const TXT2IMG_FIELDS: Readonly<Record<string, FieldType>> = {
  prompt: 'string',
  negative_prompt: 'string',
  styles: 'array',
  seed: 'integer',
  subseed: 'integer',
  subseed_strength: 'number',
  sampler_name: 'string',
  sampler_index: 'string',
  scheduler: 'string',
  batch_size: 'integer',
  n_iter: 'integer',
  steps: 'integer',
  cfg_scale: 'number',
  width: 'integer',
  height: 'integer',
  restore_faces: 'boolean',
  tiling: 'boolean',
  denoising_strength: 'number',
  enable_hr: 'boolean',
  override_settings: 'object',
  override_settings_restore_afterwards: 'boolean',
  send_images: 'boolean',
  save_images: 'boolean',
  alwayson_scripts: 'object',
};
const IMG2IMG_FIELDS: Readonly<Record<string, FieldType>> = {
  ...TXT2IMG_FIELDS,
  init_images: 'array',
  mask: 'string',
  resize_mode: 'integer',
  image_cfg_scale: 'number',
  mask_blur: 'integer',
  inpainting_fill: 'integer',
  inpaint_full_res: 'boolean',
  inpaint_full_res_padding: 'integer',
  inpainting_mask_invert: 'integer',
  include_init_images: 'boolean',
};

/** `credentials`: `user:pass` as given to `--api-auth`; undefined serves without auth, as by default. */
export async function startAutomatic1111Fake(options: { credentials?: string } = {}): Promise<Automatic1111Fake> {
  const generations: Automatic1111Fake['generations'] = [];
  const state = { checkpoints: [...A1111_CHECKPOINTS], grids: true };
  const upstream = await startFakeUpstream({
    basePath: '',
    supports: ['bad_request', 'server_error', 'unauthorized', 'slow', 'malformed', 'truncated'],
    handler: (_request, response, call, context) => handle(response, call, context, options.credentials, state, generations),
  });
  return Object.assign(upstream, {
    generations,
    get checkpoints() {
      return state.checkpoints;
    },
    set checkpoints(value: string[]) {
      state.checkpoints = value;
    },
    get grids() {
      return state.grids;
    },
    set grids(value: boolean) {
      state.grids = value;
    },
  });
}

/** The API middleware's wrapper around every handled exception. */
function sendWrapped(response: ServerResponse, status: number, detail: string, errorClass = 'HTTPException'): void {
  sendJson(response, status, {
    error: errorClass,
    detail: errorClass === 'HTTPException' ? detail : '',
    body: '',
    errors: errorClass === 'HTTPException' ? `${status}: ${detail}` : detail,
  });
}

/** FastAPI's own request-validation answer (not wrapped). */
function sendValidation(response: ServerResponse, field: string, msg: string, type: string): void {
  sendJson(response, 422, { detail: [{ loc: ['body', field], msg, type }] });
}

function authorized(call: RecordedCall, credentials: string | undefined): boolean {
  if (credentials === undefined) return true;
  return call.headers['authorization'] === `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
}

async function handle(
  response: ServerResponse,
  call: RecordedCall,
  context: FakeContext,
  credentials: string | undefined,
  state: { checkpoints: string[]; grids: boolean },
  generations: Automatic1111Fake['generations'],
): Promise<void> {
  const route = `${call.method} ${call.path}`;
  const known = ['POST /sdapi/v1/txt2img', 'POST /sdapi/v1/img2img', 'GET /sdapi/v1/sd-models', 'GET /sdapi/v1/samplers'];
  if (!known.includes(route)) return sendJson(response, 404, { detail: 'Not Found' });
  if (!authorized(call, credentials)) return sendWrapped(response, 401, 'Incorrect username or password');
  if (route === 'GET /sdapi/v1/sd-models') return sendJson(response, 200, state.checkpoints.map(checkpointEntry));
  if (route === 'GET /sdapi/v1/samplers')
    return sendJson(
      response,
      200,
      SAMPLERS.map((name) => ({ name, aliases: [], options: {} })),
    );

  const scenario = context.nextScenario();
  if (scenario === 'unauthorized') return sendWrapped(response, 401, 'Incorrect username or password');
  if (scenario === 'bad_request') return sendValidation(response, 'steps', 'value is not a valid integer', 'type_error.integer');
  if (scenario === 'server_error') return sendWrapped(response, 500, 'CUDA out of memory. Tried to allocate 2.00 GiB', 'OutOfMemoryError');

  const isImg2img = call.path.endsWith('/img2img');
  let body: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(call.body.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return sendValidation(response, '__root__', 'value is not a valid dict', 'type_error.dict');
    body = parsed as Record<string, unknown>;
  } catch {
    return sendJson(response, 422, { detail: [{ loc: ['body', 0], msg: 'Expecting value', type: 'value_error.jsondecode' }] });
  }
  const fields = isImg2img ? IMG2IMG_FIELDS : TXT2IMG_FIELDS;
  for (const [name, value] of Object.entries(body)) {
    const type = fields[name];
    if (!type) return sendValidation(response, name, 'extra fields not permitted (stricter than the server)', 'value_error.extra');
    if (value !== null && !hasType(value, type))
      return sendValidation(response, name, `value is not a valid ${type}`, `type_error.${type}`);
  }
  const sampler = body['sampler_name'];
  if (sampler !== undefined && sampler !== null && !SAMPLERS.includes(String(sampler)))
    return sendWrapped(response, 404, 'Sampler not found');

  let initSize: { width: number; height: number } | undefined;
  if (isImg2img) {
    const init = body['init_images'];
    if (!Array.isArray(init) || init.length === 0) return sendWrapped(response, 404, 'Init image not found');
    initSize = await decodedSize(init[0]);
    if (!initSize) return sendWrapped(response, 500, 'Invalid encoded image');
    if (body['mask'] !== undefined && body['mask'] !== null && !(await decodedSize(body['mask'])))
      return sendWrapped(response, 500, 'Invalid encoded image');
  }

  if (scenario === 'slow') await sleep(context.slowMs);
  const override = (body['override_settings'] ?? {}) as Record<string, unknown>;
  const wanted = typeof override['sd_model_checkpoint'] === 'string' ? override['sd_model_checkpoint'] : undefined;
  const checkpoint =
    state.checkpoints.find((title) => wanted !== undefined && (title === wanted || title.startsWith(`${wanted}`))) ??
    state.checkpoints[0] ??
    '';
  generations.push({ path: call.path, body, checkpoint });

  // The latent space is 1/8 of the image: sizes come back floored to a multiple of 8.
  const width = Math.floor(numberOr(body['width'], 512) / 8) * 8;
  const height = Math.floor(numberOr(body['height'], 512) / 8) * 8;
  const count = numberOr(body['batch_size'], 1) * numberOr(body['n_iter'], 1);
  const images: string[] = [];
  const withGrid = state.grids && count > 1;
  if (withGrid) images.push((await fakeImage(width * 2, height, 'png', 99)).toString('base64'));
  for (let index = 0; index < count; index += 1) images.push((await fakeImage(width, height, 'png', index)).toString('base64'));
  const requestedSeed = numberOr(body['seed'], -1);
  const seeds = Array.from({ length: count }, (_unused, index) => (requestedSeed === -1 ? 1234567890 : requestedSeed) + index);
  const info = {
    prompt: body['prompt'] ?? '',
    all_prompts: seeds.map(() => body['prompt'] ?? ''),
    seed: seeds[0],
    all_seeds: seeds,
    width,
    height,
    sampler_name: sampler ?? 'Euler',
    steps: numberOr(body['steps'], 50),
    batch_size: numberOr(body['batch_size'], 1),
    sd_model_name: checkpoint.split('.')[0],
    denoising_strength: numberOr(body['denoising_strength'], isImg2img ? 0.75 : 0),
    index_of_first_image: withGrid ? 1 : 0,
    infotexts: seeds.map(
      (seed) => `${String(body['prompt'] ?? '')}\nSteps: ${numberOr(body['steps'], 50)}, Seed: ${seed}, Size: ${width}x${height}`,
    ),
    version: 'v1.10.1',
  };
  const answer = { images, parameters: { ...body, init_images: null, mask: null }, info: JSON.stringify(info) };
  if (scenario === 'malformed') return sendMalformed(response);
  if (scenario === 'truncated') return sendTruncatedJson(response, answer);
  sendJson(response, 200, answer);
}

function checkpointEntry(title: string): Record<string, unknown> {
  const [file = title, hash = null] = title.split(' [');
  return {
    title,
    model_name: file.replace(/\.[a-z]+$/, ''),
    hash: hash?.replace(']', '') ?? null,
    sha256: null,
    filename: `/app/models/Stable-diffusion/${file}`,
    config: null,
  };
}

function hasType(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && !Array.isArray(value);
    default:
      return typeof value === type;
  }
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}

/** The server strips a `data:` prefix and decodes with PIL; undefined when that fails. */
async function decodedSize(value: unknown): Promise<{ width: number; height: number } | undefined> {
  if (typeof value !== 'string') return undefined;
  const base64 = value.startsWith('data:') ? value.slice(value.indexOf(',') + 1) : value;
  try {
    const metadata = await sharp(Buffer.from(base64, 'base64')).metadata();
    return metadata.width && metadata.height ? { width: metadata.width, height: metadata.height } : undefined;
  } catch {
    return undefined;
  }
}
