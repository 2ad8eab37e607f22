import type { ServerResponse } from 'node:http';
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
 * A wire-faithful Replicate (`/v1`): official-model and versioned creates, `Prefer: wait`,
 * `urls.get` polling, cancel, `/account`, RFC 7807-style errors, and 422 `invalid_fields` for any
 * input the model's schema does not have, as official models do. Outputs are real images at the
 * size the model would render, hosted under `/cdn/` like replicate.delivery.
 *
 * `job_failed` and `content_policy` end the created prediction `failed` with a string `error`
 * (`failureError`, or the NSFW refusal), answered as HTTP 200 and billed like any other.
 *
 * Timing: a prediction ends after `pendingPolls` polls that answer `processing`. With
 * `pendingPolls = 0` and `Prefer: wait` the create answers with the finished prediction; with
 * more, it answers `processing` at once, as if the wait window had run out.
 */
export interface ReplicateFake extends FakeUpstream {
  pendingPolls: number;
  /** The `error` a `job_failed` prediction ends with (default {@link FAKE_UNKNOWN_ERROR}); tests set other E-codes. */
  failureError: string;
  /** Ids of predictions that received a cancel. */
  readonly canceled: string[];
}

export const SDXL_VERSION = '7762fd07cf82c948538e41f63f77d685e02b063e37e496e96eefd46c929f9bdc';
/** Replicate refuses as a created, billed prediction that ends `failed` (HTTP 200), never as an HTTP error. */
export const FAKE_NSFW_ERROR = 'NSFW content detected. Try running it again, or try a different prompt.';
export const FAKE_UNKNOWN_ERROR = 'Prediction failed for an unknown reason. (E1000)';
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

type Check = (value: unknown) => string | undefined;
const text: Check = (value) => (typeof value === 'string' ? undefined : 'Invalid type. Expected: string');
const bool: Check = (value) => (typeof value === 'boolean' ? undefined : 'Invalid type. Expected: boolean');
const uri: Check = (value) => (typeof value === 'string' && /^(data:|https:\/\/)/.test(value) ? undefined : 'Does not match format uri');
const oneOf =
  (...values: string[]): Check =>
  (value) =>
    typeof value === 'string' && values.includes(value)
      ? undefined
      : `must be one of the following: ${values.map((v) => `"${v}"`).join(', ')}`;
const range =
  (integer: boolean, min: number, max: number): Check =>
  (value) => {
    if (typeof value !== 'number' || (integer && !Number.isInteger(value)))
      return `Invalid type. Expected: ${integer ? 'integer' : 'number'}`;
    return value < min ? `Must be greater than or equal to ${min}` : value > max ? `Must be less than or equal to ${max}` : undefined;
  };

const FLUX_SIZES: Record<string, [number, number]> = {
  '1:1': [1024, 1024],
  '16:9': [1344, 768],
  '21:9': [1536, 640],
  '3:2': [1216, 832],
  '2:3': [832, 1216],
  '4:5': [896, 1088],
  '5:4': [1088, 896],
  '3:4': [896, 1152],
  '4:3': [1152, 896],
  '9:16': [768, 1344],
  '9:21': [640, 1536],
};

interface FakeModel {
  inputs: Record<string, Check>;
  required: string[];
  output: 'array' | 'string';
  format: (input: Record<string, unknown>) => 'webp' | 'jpg' | 'png';
  size: (input: Record<string, unknown>) => Promise<[number, number]>;
  count: (input: Record<string, unknown>) => number;
}

const seed = range(true, 0, 2 ** 32 - 1);
const chosenFormat = (input: Record<string, unknown>) => (input['output_format'] as 'webp' | 'jpg' | 'png' | undefined) ?? 'webp';
const ratioSize =
  (fallback: string) =>
  async (input: Record<string, unknown>): Promise<[number, number]> => {
    if (typeof input['image'] === 'string') return imageSize(input['image']);
    const [width, height] = FLUX_SIZES[String(input['aspect_ratio'] ?? fallback)] ?? [1024, 1024];
    return input['megapixels'] === '0.25' ? [width / 2, height / 2] : [width, height];
  };
const FLUX_SCHNELL: FakeModel = {
  inputs: {
    prompt: text,
    aspect_ratio: oneOf(...Object.keys(FLUX_SIZES)),
    num_outputs: range(true, 1, 4),
    num_inference_steps: range(true, 1, 4),
    seed,
    output_format: oneOf('webp', 'jpg', 'png'),
    output_quality: range(true, 0, 100),
    megapixels: oneOf('1', '0.25'),
    go_fast: bool,
    disable_safety_checker: bool,
  },
  required: ['prompt'],
  output: 'array',
  format: chosenFormat,
  size: ratioSize('1:1'),
  count: (input) => Number(input['num_outputs'] ?? 1),
};
const FLUX_DEV: FakeModel = {
  ...FLUX_SCHNELL,
  inputs: {
    ...FLUX_SCHNELL.inputs,
    image: uri,
    prompt_strength: range(false, 0, 1),
    num_inference_steps: range(true, 1, 50),
    guidance: range(false, 0, 10),
  },
};
const SD35: FakeModel = {
  inputs: {
    prompt: text,
    negative_prompt: text,
    aspect_ratio: oneOf('1:1', '16:9', '21:9', '3:2', '2:3', '4:5', '5:4', '9:16', '9:21'),
    cfg: range(false, 1, 10),
    image: uri,
    prompt_strength: range(false, 0, 1),
    seed,
    output_format: oneOf('webp', 'jpg', 'png'),
  },
  required: ['prompt'],
  output: 'string',
  format: chosenFormat,
  size: ratioSize('1:1'),
  count: () => 1,
};
const PHOTON: FakeModel = {
  inputs: {
    prompt: text,
    aspect_ratio: oneOf('1:1', '3:4', '4:3', '9:16', '16:9', '9:21', '21:9'),
    image_reference: uri,
    image_reference_weight: range(false, 0, 1),
    style_reference: uri,
    style_reference_weight: range(false, 0, 1),
    character_reference: uri,
    seed,
  },
  required: ['prompt'],
  output: 'string',
  format: () => 'jpg',
  size: async (input) => FLUX_SIZES[String(input['aspect_ratio'] ?? '16:9')] ?? [1344, 768],
  count: () => 1,
};
const SDXL: FakeModel = {
  inputs: {
    prompt: text,
    negative_prompt: text,
    image: uri,
    mask: uri,
    prompt_strength: range(false, 0, 1),
    width: range(true, 64, 4096),
    height: range(true, 64, 4096),
    num_outputs: range(true, 1, 4),
    scheduler: oneOf('DDIM', 'DPMSolverMultistep', 'HeunDiscrete', 'KarrasDPM', 'K_EULER_ANCESTRAL', 'K_EULER', 'PNDM'),
    num_inference_steps: range(true, 1, 500),
    guidance_scale: range(false, 1, 50),
    seed,
    refine: oneOf('no_refiner', 'expert_ensemble_refiner', 'base_image_refiner'),
    high_noise_frac: range(false, 0, 1),
    refine_steps: range(true, 1, 500),
    apply_watermark: bool,
    lora_scale: range(false, 0, 1),
    disable_safety_checker: bool,
  },
  required: [],
  output: 'array',
  format: () => 'png',
  // cog-sdxl: width/height for text to image only; img2img and inpainting keep the image's size.
  size: async (input) =>
    typeof input['image'] === 'string' ? imageSize(input['image']) : [Number(input['width'] ?? 1024), Number(input['height'] ?? 1024)],
  count: (input) => Number(input['num_outputs'] ?? 1),
};
const OFFICIAL: Record<string, FakeModel> = {
  'black-forest-labs/flux-schnell': FLUX_SCHNELL,
  'black-forest-labs/flux-dev': FLUX_DEV,
  'stability-ai/stable-diffusion-3.5-large': SD35,
  'luma/photon': PHOTON,
  'luma/photon-flash': PHOTON,
};
const VERSIONS: Record<string, { model: string; schema: FakeModel }> = { [SDXL_VERSION]: { model: 'stability-ai/sdxl', schema: SDXL } };

async function imageSize(dataUri: string): Promise<[number, number]> {
  const metadata = await sharp(Buffer.from(dataUri.slice(dataUri.indexOf(',') + 1), 'base64')).metadata();
  return [metadata.width ?? 64, metadata.height ?? 64];
}

interface FakePrediction {
  id: string;
  model: string;
  version: string;
  schema: FakeModel;
  input: Record<string, unknown>;
  scenario: FakeScenario;
  status: 'starting' | 'processing' | 'succeeded' | 'failed' | 'canceled';
  pollsLeft: number;
  output: string | string[] | null;
  error: string | null;
  createdAt: string;
}

const problem = (status: number, title: string, detail: string, extra: Record<string, unknown> = {}) => ({
  title,
  detail,
  status,
  ...extra,
});
const notFound = (response: ServerResponse) =>
  sendJson(response, 404, problem(404, 'Not found', 'The requested resource could not be found.'));
const invalid = (response: ServerResponse, fields: Array<{ type: string; field: string; description: string }>) =>
  sendJson(
    response,
    422,
    problem(
      422,
      'Input validation failed',
      fields.map((field) => `- ${field.field ? `${field.field}: ` : ''}${field.description}\n`).join(''),
      { invalid_fields: fields },
    ),
  );

export async function startReplicateFake(options: { apiKey?: string; removedModels?: string[] } = {}): Promise<ReplicateFake> {
  const removed = new Set(options.removedModels ?? []);
  const knownModels = new Map<string, FakeModel>([
    ...Object.entries(OFFICIAL),
    ...Object.entries(VERSIONS).map(([, entry]) => [entry.model, entry.schema] as [string, FakeModel]),
  ]);
  const apiKey = options.apiKey ?? 'r8_fake_token_0123456789abcdefghijklmnopqrs';
  const predictions = new Map<string, FakePrediction>();
  const state = { pendingPolls: 0, counter: 0, failureError: FAKE_UNKNOWN_ERROR };
  const canceled: string[] = [];

  const json = (prediction: FakePrediction, origin: string) => {
    const terminal = ['succeeded', 'failed', 'canceled'].includes(prediction.status);
    const base = `${origin}/v1/predictions/${prediction.id}`;
    return {
      id: prediction.id,
      model: prediction.model,
      version: prediction.version,
      input: prediction.input,
      logs: '',
      output: prediction.output,
      data_removed: false,
      error: prediction.error,
      status: prediction.status,
      source: 'api',
      created_at: prediction.createdAt,
      metrics: terminal ? { predict_time: 0.811, total_time: 0.82 } : {},
      urls: { get: base, cancel: `${base}/cancel`, web: `https://replicate.com/p/${prediction.id}` },
    };
  };

  const finish = async (prediction: FakePrediction, context: FakeContext) => {
    if (prediction.scenario === 'job_failed' || prediction.scenario === 'content_policy') {
      Object.assign(prediction, {
        status: 'failed',
        error: prediction.scenario === 'content_policy' ? FAKE_NSFW_ERROR : state.failureError,
      });
      return;
    }
    const [width, height] = await prediction.schema.size(prediction.input);
    const format = prediction.schema.format(prediction.input);
    const urls: string[] = [];
    for (let index = 0; index < prediction.schema.count(prediction.input); index += 1) {
      const bytes = await fakeImage(width, height, format === 'jpg' ? 'jpeg' : format, index);
      urls.push(context.hostFile(bytes, format, `image/${format === 'jpg' ? 'jpeg' : format}`));
    }
    if (prediction.scenario === 'result_gone') urls.forEach((url) => context.dropFile(url));
    Object.assign(prediction, { status: 'succeeded', output: prediction.schema.output === 'string' ? (urls[0] ?? null) : urls });
  };

  const create = async (response: ServerResponse, call: RecordedCall, context: FakeContext, target: { official?: string }) => {
    const scenario = context.nextScenario();
    if (scenario === 'rate_limited')
      return sendJson(
        response,
        429,
        { detail: 'Request was throttled. Your rate limit resets in ~2s.', status: 429 },
        { 'retry-after': '2' },
      );
    if (scenario === 'unauthorized')
      return sendJson(response, 401, problem(401, 'Unauthenticated', 'You did not pass a valid authentication token'));
    if (scenario === 'server_error') return sendJson(response, 500, { detail: 'Internal server error' });
    if (scenario === 'malformed') return sendMalformed(response);
    if (scenario === 'bad_request')
      return invalid(response, [{ type: 'number_lte', field: 'input.num_outputs', description: 'Must be less than or equal to 4' }]);
    if (scenario === 'slow' && !(await waitOrHangUp(response, context.slowMs))) return;

    // Strict on purpose: a malformed header is a bug in the adapter even if Replicate let it pass.
    const prefer = call.headers['prefer'];
    const wait = prefer === undefined ? undefined : /^wait(?:=(\d+))?$/.exec(String(prefer));
    if (prefer !== undefined && (!wait || Number(wait[1] ?? 60) < 1 || Number(wait[1] ?? 60) > 60))
      return invalid(response, [{ type: 'header', field: '', description: `Invalid Prefer header: ${String(prefer)}` }]);
    const cancelAfter = call.headers['cancel-after'];
    if (cancelAfter !== undefined && !/^(\d+h)?(\d+m)?(\d+s)?$/.test(String(cancelAfter)))
      return invalid(response, [{ type: 'header', field: '', description: `Invalid Cancel-After header: ${String(cancelAfter)}` }]);

    let body: Record<string, unknown>;
    try {
      body = JSON.parse(call.body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return sendJson(response, 400, problem(400, 'Invalid JSON', 'The request body is not valid JSON.'));
    }
    const allowed = target.official
      ? ['input', 'webhook', 'webhook_events_filter']
      : ['version', 'input', 'webhook', 'webhook_events_filter'];
    const extraKeys = Object.keys(body).filter((key) => !allowed.includes(key));
    if (extraKeys.length > 0)
      return invalid(
        response,
        extraKeys.map((key) => ({
          type: 'additional_property_not_allowed',
          field: '',
          description: `Additional property ${key} is not allowed`,
        })),
      );
    let model: string;
    let schema: FakeModel | undefined;
    let version: string;
    if (target.official) {
      model = target.official;
      schema = OFFICIAL[model];
      if (!schema) return notFound(response);
      version = `dp-${model.replace(/\W/g, '')}`;
    } else {
      if (typeof body['version'] !== 'string')
        return invalid(response, [{ type: 'required', field: '', description: 'version is required' }]);
      version = body['version'].split(':').pop() ?? '';
      const known = VERSIONS[version];
      if (!known)
        return sendJson(response, 422, {
          detail: "The specified version does not exist (or perhaps you don't have permission to use it?)",
          status: 422,
        });
      ({ model, schema } = known);
    }
    const input = typeof body['input'] === 'object' && body['input'] !== null ? (body['input'] as Record<string, unknown>) : undefined;
    if (!input) return invalid(response, [{ type: 'required', field: '', description: 'input is required' }]);
    const problems = [
      ...schema.required
        .filter((name) => input[name] === undefined)
        .map((name) => ({ type: 'required', field: 'input', description: `${name} is required` })),
      ...Object.entries(input).flatMap(([name, value]) => {
        const check = schema.inputs[name];
        const description = check ? check(value) : `Additional property ${name} is not allowed`;
        return description ? [{ type: check ? 'invalid' : 'additional_property_not_allowed', field: `input.${name}`, description }] : [];
      }),
    ];
    if (problems.length > 0) return invalid(response, problems);

    state.counter += 1;
    const prediction: FakePrediction = {
      id: `fake${state.counter.toString().padStart(4, '0')}mhrmc0cm8rbatcne`,
      model,
      version,
      schema,
      input,
      scenario,
      status: 'starting',
      pollsLeft: state.pendingPolls,
      output: null,
      error: null,
      createdAt: new Date().toISOString(),
    };
    predictions.set(prediction.id, prediction);
    // `truncated`: the prediction exists, but its create response is cut in half (a proxy dropping the body).
    if (scenario === 'truncated') return sendTruncatedJson(response, json(prediction, context.origin));
    if (wait && prediction.pollsLeft === 0) await finish(prediction, context);
    else if (wait) prediction.status = 'processing';
    sendJson(response, 201, json(prediction, context.origin));
  };

  const fake = await startFakeUpstream({
    basePath: '/v1',
    supports: SUPPORTED,
    handler: async (_request, response, call, context) => {
      const authorization = String(call.headers['authorization'] ?? '');
      if (authorization !== `Bearer ${apiKey}` && authorization !== `Token ${apiKey}`) {
        return sendJson(response, 401, problem(401, 'Unauthenticated', 'You did not pass a valid authentication token'));
      }
      const official = /^\/v1\/models\/([^/]+)\/([^/]+)\/predictions$/.exec(call.path);
      const byId = /^\/v1\/predictions\/([^/]+)(\/cancel)?$/.exec(call.path);
      if (call.method === 'GET' && call.path === '/v1/account')
        return sendJson(response, 200, { type: 'user', username: 'fake-user', name: 'Fake User', github_url: null });
      const modelPath = /^\/v1\/models\/([^/]+)\/([^/]+)$/.exec(call.path);
      if (call.method === 'GET' && modelPath) {
        const name = `${decodeURIComponent(modelPath[1] ?? '')}/${decodeURIComponent(modelPath[2] ?? '')}`;
        if (!knownModels.has(name) || removed.has(name)) return notFound(response);
        return sendJson(response, 200, modelObject(name));
      }
      if (call.method === 'POST' && official)
        return create(response, call, context, {
          official: `${decodeURIComponent(official[1] ?? '')}/${decodeURIComponent(official[2] ?? '')}`,
        });
      if (call.method === 'POST' && call.path === '/v1/predictions') return create(response, call, context, {});
      const prediction = byId ? predictions.get(byId[1] ?? '') : undefined;
      if (!byId || !prediction) return notFound(response);
      const terminal = ['succeeded', 'failed', 'canceled'].includes(prediction.status);
      if (call.method === 'POST' && byId[2]) {
        canceled.push(prediction.id);
        if (!terminal) prediction.status = 'canceled';
        return sendJson(response, 200, json(prediction, context.origin));
      }
      if (call.method !== 'GET' || byId[2]) return notFound(response);
      if (!terminal && prediction.pollsLeft > 0) {
        prediction.pollsLeft -= 1;
        prediction.status = 'processing';
      } else if (!terminal) {
        await finish(prediction, context);
      }
      return sendJson(response, 200, json(prediction, context.origin));
    },
  });

  // Accessors, not copied values: tests set them between calls.
  Object.defineProperty(fake, 'pendingPolls', {
    enumerable: true,
    get: () => state.pendingPolls,
    set: (value: number) => {
      state.pendingPolls = value;
    },
  });
  Object.defineProperty(fake, 'failureError', {
    enumerable: true,
    get: () => state.failureError,
    set: (value: string) => {
      state.failureError = value;
    },
  });
  return Object.assign(fake, { canceled }) as ReplicateFake;
}

/** The model object of `GET /models/{owner}/{name}` (the fields clients read; the schema itself is not served). */
function modelObject(name: string): Record<string, unknown> {
  const [owner, model] = name.split('/') as [string, string];
  return {
    url: `https://replicate.com/${name}`,
    owner,
    name: model,
    description: `${name} (fake)`,
    visibility: 'public',
    run_count: 1000,
    latest_version: { id: `dp-${name.replace(/\W/g, '')}`, created_at: '2026-01-01T00:00:00.000Z' },
  };
}

/** Resolves `true` after `ms`, or `false` as soon as the client hangs up (nothing is written then). */
function waitOrHangUp(response: ServerResponse, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(true), ms);
    response.on('close', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}
