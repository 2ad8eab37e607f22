import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import {
  FAKE_SCENARIOS,
  fakeImage,
  sendJson,
  sendMalformed,
  sendStalledJson,
  sendTruncatedJson,
  startFakeUpstream,
  type FakeContext,
  type FakeScenario,
  type FakeUpstream,
  type RecordedCall,
} from './fake-upstream.js';

export interface FalFakeOptions {
  /** The one key the fake accepts (`Authorization: Key <apiKey>`). */
  apiKey: string;
  /** Status polls answered `IN_QUEUE`/`IN_PROGRESS` before `COMPLETED` (default 2). */
  pendingPolls?: number;
  /** Marks the images at these indexes as NSFW (`has_nsfw_concepts: true`). */
  nsfwIndexes?: ReadonlyArray<number>;
  /** Answers with queue URLs on this origin instead of its own (a foreign host the key must never reach). */
  queueUrlOrigin?: string;
  /** Narrows the scenarios, e.g. without `result_gone` for `sync_mode` routes (no URL to lose). */
  supports?: ReadonlyArray<FakeScenario>;
}

interface FakeJob {
  id: string;
  appPath: string;
  scenario: FakeScenario;
  input: Record<string, unknown>;
  polls: number;
  submittedAt: number;
  cancelled: boolean;
  completed: boolean;
}

/** fal's `image_size` presets, for requests that name one instead of `{width, height}`. */
const PRESET_SIZES: Readonly<Record<string, { width: number; height: number }>> = {
  square_hd: { width: 1024, height: 1024 },
  square: { width: 512, height: 512 },
  portrait_4_3: { width: 768, height: 1024 },
  portrait_16_9: { width: 576, height: 1024 },
  landscape_4_3: { width: 1024, height: 768 },
  landscape_16_9: { width: 1024, height: 576 },
};
const MAX_NUM_IMAGES = 6;
const REQUEST_PATH = /^\/(.+)\/requests\/([^/]+?)(\/status|\/cancel)?$/;

/**
 * A wire-faithful fal queue (`queue.fal.run`), per https://docs.fal.ai/model-apis/model-endpoints/queue:
 * - `POST /{endpoint id}` checks `Authorization: Key <key>` and answers `IN_QUEUE` with
 *   `status_url`/`response_url`/`cancel_url` under `owner/app` only: status and result calls made
 *   with the full sub-path id get the 404 real fal gives.
 * - status answers 202 `IN_QUEUE`, then `IN_PROGRESS`, then 200 `COMPLETED`.
 * - the result is FLUX-shaped (`images[]` on the CDN at the requested size, `has_nsfw_concepts`),
 *   data URIs with `sync_mode`; a failed job still ends `COMPLETED` and its result is the error.
 * - errors: 401 without the right key, 429 + `Retry-After`, 422 `detail[]` (validation and
 *   `content_policy_violation`), 503 with `error_type` and `X-Fal-Error-Type`.
 * - `GET /v1/models/pricing` for the probe (the Platform API, on this same server).
 */
export async function startFalFake(options: FalFakeOptions): Promise<FakeUpstream> {
  const jobs = new Map<string, FakeJob>();
  const pendingPolls = options.pendingPolls ?? 2;

  return startFakeUpstream({
    basePath: '',
    supports: options.supports ?? FAKE_SCENARIOS,
    handler: async (_request, response, call, context) => {
      if (call.headers['authorization'] !== `Key ${options.apiKey}`) {
        sendJson(response, 401, { detail: 'Invalid Key Authorization header format or credentials.' });
        return;
      }
      if (call.method === 'GET' && call.path === '/v1/models/pricing') {
        sendJson(response, 200, {
          prices: [{ endpoint_id: call.query.get('endpoint_id'), unit_price: 0.003, unit: 'megapixels', currency: 'USD' }],
        });
        return;
      }
      const match = REQUEST_PATH.exec(call.path);
      if (!match) {
        if (call.method !== 'POST') {
          sendJson(response, 405, { detail: 'Method Not Allowed' });
          return;
        }
        submit(call, response, context);
        return;
      }
      const [, appPath, id, action] = match;
      const job = jobs.get(decodeURIComponent(id ?? ''));
      // The owner/app trap: `fal-ai/flux/dev/requests/...` is not where fal keeps requests.
      if (!job || job.appPath !== appPath) {
        sendJson(response, 404, { detail: `Request ${id ?? ''} not found` });
        return;
      }
      if (action === '/status' && call.method === 'GET') status(job, response, context);
      else if (action === '/cancel' && call.method === 'PUT') cancel(job, response);
      else if (action === undefined && call.method === 'GET') await result(job, response, context);
      else sendJson(response, 405, { detail: 'Method Not Allowed' });
    },
  });

  function submit(call: RecordedCall, response: ServerResponse, context: FakeContext): void {
    const scenario = context.nextScenario();
    if (scenario === 'unauthorized') {
      sendJson(response, 401, { detail: 'Invalid Key Authorization header format or credentials.' });
      return;
    }
    if (scenario === 'rate_limited') {
      sendJson(response, 429, { detail: 'Too many concurrent requests. Please try again later.' }, { 'retry-after': '2' });
      return;
    }
    if (scenario === 'server_error') {
      sendJson(
        response,
        503,
        { detail: 'Could not schedule a runner for the request.', error_type: 'runner_scheduling_failure' },
        { 'x-fal-error-type': 'runner_scheduling_failure' },
      );
      return;
    }
    const input = parseInput(call);
    const invalid =
      scenario === 'bad_request' ? [{ loc: ['body', 'prompt'], msg: 'field required', type: 'value_error.missing' }] : validate(input);
    if (invalid.length > 0 || input === undefined) {
      sendJson(response, 422, { detail: invalid });
      return;
    }
    const endpointId = call.path.slice(1);
    const job: FakeJob = {
      id: randomUUID(),
      appPath: appPathOf(endpointId),
      scenario,
      input,
      polls: 0,
      submittedAt: Date.now(),
      cancelled: false,
      completed: false,
    };
    jobs.set(job.id, job);
    sendJson(response, 200, { ...queueStatus(job, options.queueUrlOrigin ?? context.origin, 'IN_QUEUE'), queue_position: 0 });
  }

  function status(job: FakeJob, response: ServerResponse, context: FakeContext): void {
    job.polls += 1;
    const stillSlow = job.scenario === 'slow' && Date.now() - job.submittedAt < context.slowMs;
    if (!job.cancelled && (stillSlow || job.polls <= pendingPolls)) {
      sendJson(response, 202, {
        ...queueStatus(job, options.queueUrlOrigin ?? context.origin, job.polls === 1 ? 'IN_QUEUE' : 'IN_PROGRESS'),
        logs: null,
      });
      return;
    }
    job.completed = true;
    sendJson(response, 200, {
      ...queueStatus(job, options.queueUrlOrigin ?? context.origin, 'COMPLETED'),
      logs: null,
      metrics: { inference_time: 0.42 },
    });
  }

  function cancel(job: FakeJob, response: ServerResponse): void {
    if (job.completed) {
      sendJson(response, 400, { status: 'ALREADY_COMPLETED' });
      return;
    }
    job.cancelled = true;
    sendJson(response, 202, { status: 'CANCELLATION_REQUESTED' });
  }

  async function result(job: FakeJob, response: ServerResponse, context: FakeContext): Promise<void> {
    if (!job.completed) {
      sendJson(response, 400, { detail: 'Request is still in progress' });
      return;
    }
    if (job.cancelled) {
      sendJson(response, 400, { detail: 'Request was cancelled' });
      return;
    }
    switch (job.scenario) {
      case 'content_policy':
        sendJson(response, 422, {
          detail: [
            {
              loc: ['body', 'prompt'],
              msg: 'The content was flagged by a content checker.',
              type: 'content_policy_violation',
              url: 'https://docs.fal.ai/errors#content_policy_violation',
            },
          ],
        });
        return;
      case 'job_failed':
        sendJson(response, 500, { detail: 'Unexpected error while running the model.' });
        return;
      case 'malformed':
        sendMalformed(response);
        return;
      case 'truncated':
        sendTruncatedJson(response, await output(job, context));
        return;
      case 'stalled':
        sendStalledJson(response, await output(job, context));
        return;
      default: {
        const body = await output(job, context);
        if (job.scenario === 'result_gone') for (const image of body.images) context.dropFile(image.url);
        sendJson(response, 200, body);
      }
    }
  }

  async function output(job: FakeJob, context: FakeContext) {
    const { input } = job;
    const count = typeof input['num_images'] === 'number' ? input['num_images'] : 1;
    const size = sizeOf(input['image_size']);
    const format = input['output_format'] === 'png' ? 'png' : 'jpeg';
    const images = await Promise.all(
      Array.from({ length: count }, async (_, index) => {
        const bytes = await fakeImage(size.width, size.height, format, index);
        const contentType = `image/${format}`;
        const url =
          input['sync_mode'] === true
            ? `data:${contentType};base64,${bytes.toString('base64')}`
            : context.hostFile(bytes, format, contentType);
        return { url, width: size.width, height: size.height, content_type: contentType, file_name: null, file_size: null };
      }),
    );
    return {
      images,
      timings: { inference: 0.42 },
      seed: typeof input['seed'] === 'number' ? input['seed'] : 920212137,
      has_nsfw_concepts: images.map((_, index) => options.nsfwIndexes?.includes(index) ?? false),
      prompt: input['prompt'],
    };
  }
}

function queueStatus(job: FakeJob, origin: string, state: 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED') {
  const base = `${origin}/${job.appPath}/requests/${job.id}`;
  return { status: state, request_id: job.id, response_url: base, status_url: `${base}/status`, cancel_url: `${base}/cancel` };
}

function appPathOf(endpointId: string): string {
  return endpointId.split('/').slice(0, 2).join('/');
}

function parseInput(call: RecordedCall): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(call.body.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The checks fal's input schemas make that an adapter can get wrong. */
function validate(input: Record<string, unknown> | undefined): Array<{ loc: string[]; msg: string; type: string }> {
  if (!input) return [{ loc: ['body'], msg: 'value is not a valid dict', type: 'type_error.dict' }];
  const problems: Array<{ loc: string[]; msg: string; type: string }> = [];
  if (typeof input['prompt'] !== 'string' || input['prompt'].length === 0)
    problems.push({ loc: ['body', 'prompt'], msg: 'field required', type: 'value_error.missing' });
  const count = input['num_images'];
  if (count !== undefined && (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_NUM_IMAGES)) {
    problems.push({ loc: ['body', 'num_images'], msg: `ensure this value is between 1 and ${MAX_NUM_IMAGES}`, type: 'value_error.number' });
  }
  for (const key of ['image_url', 'mask_url'] as const) {
    const value = input[key];
    if (value !== undefined && !(typeof value === 'string' && /^(https?:|data:image\/)/.test(value)))
      problems.push({ loc: ['body', key], msg: 'invalid or missing URL scheme', type: 'value_error.url' });
  }
  const urls = input['image_urls'];
  if (
    urls !== undefined &&
    !(Array.isArray(urls) && urls.every((value) => typeof value === 'string' && /^(https?:|data:image\/)/.test(value)))
  ) {
    problems.push({ loc: ['body', 'image_urls'], msg: 'invalid or missing URL scheme', type: 'value_error.url' });
  }
  return problems;
}

function sizeOf(imageSize: unknown): { width: number; height: number } {
  if (typeof imageSize === 'string') return PRESET_SIZES[imageSize] ?? { width: 1024, height: 768 };
  if (typeof imageSize === 'object' && imageSize !== null) {
    const { width, height } = imageSize as { width?: unknown; height?: unknown };
    if (typeof width === 'number' && typeof height === 'number') return { width, height };
  }
  // FLUX's default preset, landscape_4_3.
  return { width: 1024, height: 768 };
}
