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
 * A wire-faithful fake of Runware's HTTP task API (`POST /v1`, a JSON array of tasks): Bearer or
 * payload (`{taskType: "authentication", apiKey}`) auth with the documented `invalidApiKey` error,
 * `imageInference` validated as the API reference words it (UUID `taskUUID`, AIR `model`, required
 * `positivePrompt`, sizes in multiples of 64, ranges of steps/CFGScale/strength/numberResults,
 * upper-case output formats, `maskImage` only with a `seedImage`, images that decode), one result
 * object per image with the task's `taskUUID` (`imageURL`, `imageBase64Data` or `imageDataURI`, and
 * `cost` with `includeCost`), and errors as `{errors: [{code, message, parameter, taskType, taskUUID}]}`.
 */

export interface RunwareFake extends FakeUpstream {
  /** AIR ids the account can run (edit in place); any other `model` is refused as the API refuses an unknown one. */
  readonly models: string[];
  /** Every accepted `imageInference` task, in order. */
  readonly tasks: Array<Record<string, unknown>>;
  /**
   * The next inference fails inside a 200, as one task of a multi-task request does: `data` without
   * its images and a `providerError` for it in `errors` (the upstream model's words in `responseContent`).
   */
  failNextTaskInline(): void;
}

export const RUNWARE_MODELS = ['runware:100@1', 'runware:101@1', 'civitai:139562@798204'];
/** USD per image the fake bills with `includeCost` (FLUX.1 schnell's quoted price). */
export const RUNWARE_FAKE_COST = 0.0006;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const AIR = /^[a-z0-9_-]+:[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+$/;
const OUTPUT_TYPES = ['URL', 'base64Data', 'dataURI'];
const OUTPUT_FORMATS = ['JPG', 'PNG', 'WEBP', 'jpg', 'png', 'webp'];
const INFERENCE_FIELDS = new Set([
  'taskType',
  'taskUUID',
  'model',
  'positivePrompt',
  'negativePrompt',
  'width',
  'height',
  'steps',
  'CFGScale',
  'scheduler',
  'seed',
  'numberResults',
  'outputType',
  'outputFormat',
  'outputQuality',
  'includeCost',
  'checkNSFW',
  'seedImage',
  'maskImage',
  'strength',
  'referenceImages',
  'inputs',
  'lora',
  'providerSettings',
  'acceleration',
  'deliveryMethod',
  'ttl',
]);

interface TaskError {
  status: number;
  code: string;
  message: string;
  parameter?: string;
}

export async function startRunwareFake(options: { apiKey: string }): Promise<RunwareFake> {
  const tasks: Array<Record<string, unknown>> = [];
  const state = { models: [...RUNWARE_MODELS], failInline: false };
  const upstream = await startFakeUpstream({
    basePath: '/v1',
    supports: ['rate_limited', 'bad_request', 'server_error', 'unauthorized', 'slow', 'malformed', 'truncated'],
    handler: (_request, response, call, context) => handle(response, call, context, options.apiKey, state, tasks),
  });
  return Object.assign(upstream, {
    tasks,
    models: state.models,
    failNextTaskInline: () => {
      state.failInline = true;
    },
  });
}

function sendErrors(response: ServerResponse, error: TaskError, task: { taskType?: unknown; taskUUID?: unknown }, headers = {}): void {
  sendJson(
    response,
    error.status,
    {
      errors: [
        {
          code: error.code,
          message: error.message,
          ...(error.parameter ? { parameter: error.parameter } : {}),
          ...(typeof task.taskType === 'string' ? { taskType: task.taskType } : {}),
          ...(typeof task.taskUUID === 'string' ? { taskUUID: task.taskUUID } : {}),
          documentation: 'https://runware.ai/docs/en/image-inference/api-reference',
        },
      ],
    },
    headers,
  );
}

const INVALID_KEY: TaskError = {
  status: 401,
  code: 'invalidApiKey',
  message: 'Invalid API key. Get one at https://my.runware.ai/signup',
  parameter: 'apiKey',
};

async function handle(
  response: ServerResponse,
  call: RecordedCall,
  context: FakeContext,
  apiKey: string,
  state: { models: string[]; failInline: boolean },
  tasks: Array<Record<string, unknown>>,
): Promise<void> {
  if (call.method !== 'POST' || call.path !== '/v1')
    return sendJson(response, 404, { errors: [{ code: 'notFound', message: 'Not found' }] });
  let parsed: unknown;
  try {
    parsed = JSON.parse(call.body.toString('utf8'));
  } catch {
    return sendErrors(response, { status: 400, code: 'invalidJSON', message: 'The request body is not valid JSON.' }, {});
  }
  if (!Array.isArray(parsed) || parsed.some((task) => typeof task !== 'object' || task === null || Array.isArray(task)))
    return sendErrors(response, { status: 400, code: 'invalidRequest', message: 'The request body must be an array of task objects.' }, {});
  const all = parsed as Array<Record<string, unknown>>;
  const authTask = all.find((task) => task['taskType'] === 'authentication');
  const bearer = call.headers['authorization'] === `Bearer ${apiKey}`;
  if (!bearer && authTask?.['apiKey'] !== apiKey) return sendErrors(response, INVALID_KEY, { taskType: 'authentication' });
  const inference = all.filter((task) => task['taskType'] === 'imageInference');
  if (inference.length !== 1) {
    const other = all.find((task) => task['taskType'] !== 'authentication');
    return sendErrors(
      response,
      { status: 400, code: 'unsupportedTaskType', message: 'This fake serves one imageInference task per request.' },
      other ?? {},
    );
  }
  const task = inference[0]!;

  const scenario = context.nextScenario();
  if (scenario === 'unauthorized') return sendErrors(response, INVALID_KEY, { taskType: 'authentication' });
  if (scenario === 'rate_limited')
    return sendErrors(response, { status: 429, code: 'rateLimitExceeded', message: 'Too many requests.' }, task, { 'retry-after': '2' });
  if (scenario === 'bad_request')
    return sendErrors(
      response,
      { status: 400, code: 'invalidPositivePrompt', message: "Invalid value for 'positivePrompt' parameter.", parameter: 'positivePrompt' },
      task,
    );
  if (scenario === 'server_error')
    return sendErrors(response, { status: 500, code: 'timeoutProvider', message: 'The provider timed out processing the task.' }, task);

  const invalid = (await validateInference(task, state.models)) ?? undefined;
  if (invalid) return sendErrors(response, invalid, task);
  tasks.push(task);
  if (state.failInline) {
    state.failInline = false;
    return sendJson(response, 200, {
      data: [],
      errors: [
        {
          code: 'providerError',
          message: 'The provider returned an error. Additional information below.',
          responseContent: 'The image could not be generated for this prompt.',
          taskType: 'imageInference',
          taskUUID: task['taskUUID'],
        },
      ],
    });
  }
  if (scenario === 'slow') await sleep(context.slowMs);

  const count = numberOr(task['numberResults'], 1);
  const width = numberOr(task['width'], 1024);
  const height = numberOr(task['height'], 1024);
  const format = String(task['outputFormat'] ?? 'JPG').toUpperCase();
  const sharpFormat = format === 'PNG' ? 'png' : format === 'WEBP' ? 'webp' : 'jpeg';
  const mime = `image/${sharpFormat}`;
  const outputType = String(task['outputType'] ?? 'URL');
  const firstSeed = typeof task['seed'] === 'number' ? task['seed'] : 42;
  const data: Array<Record<string, unknown>> = [];
  for (let index = 0; index < count; index += 1) {
    // Small images keep the fake quick; what is checked is the shape and the format.
    const bytes = await fakeImage(Math.min(width, 64), Math.min(height, 64), sharpFormat, index);
    const imageUUID = crypto.randomUUID();
    const output =
      outputType === 'base64Data'
        ? { imageBase64Data: bytes.toString('base64') }
        : outputType === 'dataURI'
          ? { imageDataURI: `data:${mime};base64,${bytes.toString('base64')}` }
          : { imageURL: context.hostFile(bytes, sharpFormat === 'jpeg' ? 'jpg' : sharpFormat, mime) };
    data.push({
      taskType: 'imageInference',
      imageUUID,
      taskUUID: task['taskUUID'],
      ...(task['includeCost'] === true ? { cost: RUNWARE_FAKE_COST } : {}),
      seed: firstSeed + index,
      ...output,
    });
  }
  if (authTask) data.unshift({ taskType: 'authentication', connectionSessionUUID: crypto.randomUUID() });
  const answer = { data };
  if (scenario === 'malformed') return sendMalformed(response);
  if (scenario === 'truncated') return sendTruncatedJson(response, answer);
  sendJson(response, 200, answer);
}

/** The checks the API reference documents for `imageInference`; the first failure, or undefined. */
async function validateInference(task: Record<string, unknown>, models: string[]): Promise<TaskError | undefined> {
  const bad = (parameter: string, message: string): TaskError => ({
    status: 400,
    code: `invalid${parameter[0]!.toUpperCase()}${parameter.slice(1)}`,
    message,
    parameter,
  });
  const missing = (parameter: string): TaskError => ({
    status: 400,
    code: 'missingParameter',
    message: `Missing required parameter '${parameter}'.`,
    parameter,
  });
  for (const name of Object.keys(task)) {
    // Stricter than the service, which ignores unknown fields: a misspelt field fails here.
    if (!INFERENCE_FIELDS.has(name)) return bad(name, `Unknown parameter '${name}'.`);
  }
  if (task['taskUUID'] === undefined) return missing('taskUUID');
  if (typeof task['taskUUID'] !== 'string' || !UUID.test(task['taskUUID'])) return bad('taskUUID', 'taskUUID must be a UUID v4.');
  if (task['model'] === undefined) return missing('model');
  if (typeof task['model'] !== 'string' || !AIR.test(task['model'])) return bad('model', 'model must be an AIR identifier.');
  if (!models.includes(task['model']))
    return { status: 400, code: 'invalidModel', message: `Model '${task['model']}' not found.`, parameter: 'model' };
  if (task['positivePrompt'] === undefined) return missing('positivePrompt');
  if (typeof task['positivePrompt'] !== 'string' || task['positivePrompt'].trim().length === 0 || task['positivePrompt'].length > 3000)
    return bad('positivePrompt', 'positivePrompt must be a non-empty string.');
  for (const edge of ['width', 'height']) {
    const value = task[edge];
    if (value === undefined) return missing(edge);
    if (!Number.isInteger(value) || (value as number) % 64 !== 0 || (value as number) < 128 || (value as number) > 2048)
      return bad(edge, `${edge} must be a multiple of 64 from 128 to 2048.`);
  }
  const ranges: Array<[string, number, number, boolean]> = [
    ['numberResults', 1, 20, true],
    ['steps', 1, 100, true],
    ['CFGScale', 0, 30, false],
    ['strength', 0, 1, false],
    ['seed', 1, Number.MAX_SAFE_INTEGER, true],
  ];
  for (const [name, min, max, integer] of ranges) {
    const value = task[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || (integer && !Number.isInteger(value)) || value < min || value > max)
      return bad(name, `${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}.`);
  }
  if (task['outputType'] !== undefined && !OUTPUT_TYPES.includes(String(task['outputType'])))
    return bad('outputType', `outputType must be one of ${OUTPUT_TYPES.join(', ')}.`);
  if (task['outputFormat'] !== undefined && !OUTPUT_FORMATS.includes(String(task['outputFormat'])))
    return bad('outputFormat', 'outputFormat must be JPG, PNG or WEBP.');
  if (task['includeCost'] !== undefined && typeof task['includeCost'] !== 'boolean')
    return bad('includeCost', 'includeCost must be a boolean.');
  // Runware answers an async task with an acknowledgement and delivers the images through
  // `getResponse` polls, which this fake does not serve: refusing beats answering it synchronously.
  if (task['deliveryMethod'] !== undefined && task['deliveryMethod'] !== 'sync')
    return bad('deliveryMethod', "This fake serves deliveryMethod 'sync' only.");
  if (task['maskImage'] !== undefined && task['seedImage'] === undefined) return missing('seedImage');
  for (const name of ['seedImage', 'maskImage']) {
    if (task[name] !== undefined && !(await decodes(task[name]))) return bad(name, `${name} could not be read as an image.`);
  }
  const references = task['referenceImages'];
  if (references !== undefined) {
    if (!Array.isArray(references) || references.length === 0) return bad('referenceImages', 'referenceImages must be a non-empty array.');
    for (const reference of references)
      if (!(await decodes(reference))) return bad('referenceImages', 'A reference image could not be read.');
  }
  return undefined;
}

/** Data URIs and raw base64 are decoded; the fake has no image UUIDs or public URLs to resolve. */
async function decodes(value: unknown): Promise<boolean> {
  if (typeof value !== 'string' || value.length === 0) return false;
  const base64 = value.startsWith('data:') ? value.slice(value.indexOf(',') + 1) : value;
  try {
    const metadata = await sharp(Buffer.from(base64, 'base64')).metadata();
    return Boolean(metadata.width && metadata.height);
  } catch {
    return false;
  }
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}
