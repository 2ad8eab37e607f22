import { fakeImage, sendJson, startFakeUpstream, type FakeUpstream } from './fake-upstream.js';
import {
  answerScenario,
  base64Images,
  bearerMatches,
  parseCount,
  readFakeRequest,
  supportedScenarios,
  type FakeReply,
  type ScenarioReplies,
} from './openai-compatible-fake.js';

const MAX_N = 4;
const MAX_STEPS = 50;
const DIMENSION_MULTIPLE = 8;
/** Models and the image fields each takes (together.md: `image_url` for Kontext and FLUX.2 pro/flex, `reference_images` for FLUX.2). */
const MODELS: Record<string, { imageUrl: boolean; referenceImages: boolean }> = {
  'black-forest-labs/FLUX.1-schnell': { imageUrl: false, referenceImages: false },
  'black-forest-labs/FLUX.1-dev': { imageUrl: false, referenceImages: false },
  'black-forest-labs/FLUX.1.1-pro': { imageUrl: false, referenceImages: false },
  'black-forest-labs/FLUX.1-kontext-pro': { imageUrl: true, referenceImages: false },
  'black-forest-labs/FLUX.1-kontext-max': { imageUrl: true, referenceImages: false },
  'black-forest-labs/FLUX.2-pro': { imageUrl: true, referenceImages: true },
  'black-forest-labs/FLUX.2-dev': { imageUrl: false, referenceImages: true },
};

const togetherError = (message: string, type: string, code: string | null = null) => ({ error: { message, type, param: null, code } });
const REPLIES: ScenarioReplies = {
  rate_limited: {
    status: 429,
    headers: { 'retry-after': '2' },
    body: togetherError('You have reached the rate limit specific to this model.', 'rate_limit_exceeded'),
  },
  bad_request: {
    status: 400,
    body: togetherError('Input validation error: `steps` must be less than or equal to 50', 'invalid_request_error'),
  },
  server_error: { status: 503, body: togetherError('The server is overloaded or not ready yet.', 'server_error') },
  unauthorized: {
    status: 401,
    body: togetherError(
      'Invalid API key provided. You can find your API key at https://api.together.xyz/settings/api-keys.',
      'invalid_request_error',
      'invalid_api_key',
    ),
  },
};

/**
 * `api.together.xyz/v1`: JSON `POST /images/generations` (images ride in `image_url` /
 * `reference_images`), `GET /models` (a bare array). Refuses `b64_json` (its value is `base64`),
 * sizes off the multiple of 8, n above 4. Answers JPEG by default, URLs by default.
 */
export async function startTogetherFake(apiKey: string, options: { listedModels?: string[] } = {}): Promise<FakeUpstream> {
  // The real list mixes every model type; `models check` must keep only `type: image`.
  const listed = [
    ...(options.listedModels ?? Object.keys(MODELS)).map((id) => ({ id, object: 'model', type: 'image' })),
    { id: 'meta-llama/Llama-3.3-70B-Instruct-Turbo', object: 'model', type: 'chat' },
  ];
  return startFakeUpstream({
    basePath: '/v1',
    supports: supportedScenarios(REPLIES),
    handler: async (_request, response, call, context) => {
      if (!bearerMatches(call, apiKey)) return sendJson(response, 401, REPLIES.unauthorized?.body);
      if (call.method === 'GET' && call.path === '/v1/models') return sendJson(response, 200, listed);
      if (call.method !== 'POST' || call.path !== '/v1/images/generations')
        return sendJson(response, 404, togetherError('Not found', 'invalid_request_error'));
      const request = await readFakeRequest(call);
      if (!request || request.multipart) return sendJson(response, 400, togetherError('Invalid JSON body', 'invalid_request_error'));
      const problem = validate(request.fields);
      if (problem) return sendJson(response, problem.status, problem.body);
      const scenario = context.nextScenario();
      await answerScenario(scenario, response, REPLIES, context, () =>
        success(request.fields, (bytes, format) => context.hostFile(bytes, format, `image/${format}`)),
      );
    },
  });
}

function validate(fields: Record<string, unknown>): FakeReply | undefined {
  const model = MODELS[String(fields['model'])];
  if (!model) {
    return {
      status: 404,
      body: togetherError(
        `Unable to access model ${String(fields['model'])}. Please visit https://api.together.ai/models to view the list of supported models.`,
        'invalid_request_error',
        'model_not_available',
      ),
    };
  }
  const invalid = (message: string): FakeReply => ({ status: 400, body: togetherError(message, 'invalid_request_error') });
  if (typeof fields['prompt'] !== 'string' || fields['prompt'] === '') return invalid('`prompt` is required');
  const n = parseCount(fields['n']) ?? 1;
  if (!(n >= 1 && n <= MAX_N)) return invalid(`\`n\` must be between 1 and ${MAX_N}`);
  for (const edge of ['width', 'height']) {
    const value = fields[edge];
    if (value !== undefined && !(Number.isInteger(value) && (value as number) % DIMENSION_MULTIPLE === 0 && (value as number) >= 64))
      return invalid(`\`${edge}\` must be a multiple of ${DIMENSION_MULTIPLE}`);
  }
  const steps = fields['steps'];
  if (steps !== undefined && !(Number.isInteger(steps) && (steps as number) >= 1 && (steps as number) <= MAX_STEPS))
    return invalid(`\`steps\` must be between 1 and ${MAX_STEPS}`);
  if (fields['response_format'] !== undefined && fields['response_format'] !== 'url' && fields['response_format'] !== 'base64')
    return invalid("`response_format` must be one of 'url', 'base64'");
  if (fields['output_format'] !== undefined && fields['output_format'] !== 'jpeg' && fields['output_format'] !== 'png')
    return invalid("`output_format` must be one of 'jpeg', 'png'");
  if (fields['image_url'] !== undefined && (!model.imageUrl || typeof fields['image_url'] !== 'string'))
    return invalid('`image_url` is not supported for this model');
  if (fields['reference_images'] !== undefined && (!model.referenceImages || !Array.isArray(fields['reference_images'])))
    return invalid('`reference_images` is not supported for this model');
  return undefined;
}

async function success(fields: Record<string, unknown>, host: (bytes: Buffer, format: 'jpeg' | 'png') => string): Promise<FakeReply> {
  const n = parseCount(fields['n']) ?? 1;
  const width = typeof fields['width'] === 'number' ? fields['width'] : 1024;
  const height = typeof fields['height'] === 'number' ? fields['height'] : 1024;
  const format = fields['output_format'] === 'png' ? 'png' : 'jpeg';
  const envelope = { id: `${Date.now().toString(16)}-ICN`, model: fields['model'], object: 'list' };
  if (fields['response_format'] === 'base64') {
    const images = await base64Images(n, width, height, format);
    return { status: 200, body: { ...envelope, data: images.map((b64_json, index) => ({ index, b64_json, type: 'b64_json' })) } };
  }
  const files = await Promise.all(Array.from({ length: n }, (_, index) => fakeImage(width, height, format, index)));
  return {
    status: 200,
    body: { ...envelope, data: files.map((bytes, index) => ({ index, url: host(bytes, format), timings: { inference: 2.57 } })) },
  };
}
