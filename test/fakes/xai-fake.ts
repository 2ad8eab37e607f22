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

/** xAI bills $0.02 per grok-imagine-image output and $0.002 per input image, in ticks (1e10 = $1). */
export const XAI_TICKS_PER_IMAGE = 200_000_000;
export const XAI_TICKS_PER_INPUT_IMAGE = 20_000_000;
const MAX_EDIT_IMAGES = 3;
/** 1k output sizes by aspect ratio (xai.md section 7); 2k doubles them. */
const SIZE_BY_RATIO: Record<string, [number, number]> = {
  '1:1': [1024, 1024],
  '4:3': [1280, 896],
  '3:4': [896, 1280],
  '16:9': [1408, 768],
  '9:16': [768, 1408],
  '3:2': [1296, 864],
  '2:3': [864, 1296],
  '19.5:9': [1248, 576],
  '9:19.5': [576, 1248],
  '20:9': [1280, 576],
  '9:20': [576, 1280],
  '2:1': [1408, 704],
  '1:2': [704, 1408],
};
const MODELS = new Set(['grok-imagine-image', 'grok-imagine-image-2026-03-02', 'grok-imagine-image-2.0']);

/** xAI's two error shapes: `{code, error}` for argument problems, the same for auth and limits. */
const xaiError = (code: string, error: string) => ({ code, error });
const REPLIES: ScenarioReplies = {
  rate_limited: {
    status: 429,
    headers: { 'retry-after': '2' },
    body: xaiError('Too many requests', 'Rate limit exceeded: 5 requests per second for grok-imagine-image.'),
  },
  bad_request: { status: 400, body: xaiError('Client specified an invalid argument', 'Argument not supported: size') },
  server_error: {
    status: 503,
    body: xaiError('Service unavailable', "We're experiencing high demand for this model. Please try again later."),
  },
  unauthorized: {
    status: 401,
    body: xaiError('Unauthenticated', 'Incorrect API key provided: co***ef. You can obtain an API key from https://console.x.ai.'),
  },
};

/**
 * `api.x.ai/v1`: JSON `POST /images/generations` and `/images/edits` (multipart is a 415), `GET
 * /image-generation-models`. Refuses `size` and `style` (400), bad enums (422), bare-string images;
 * answers JPEG (`b64_json` or a URL), `mime_type`, no `created`, cost in `usage.cost_in_usd_ticks`.
 * The content-policy scenario is its moderation flag on a 200: `respect_moderation: false`.
 */
export async function startXaiFake(apiKey: string, options: { listedModels?: string[] } = {}): Promise<FakeUpstream> {
  const listed = options.listedModels ?? ['grok-imagine-image', 'grok-imagine-image-2.0'];
  return startFakeUpstream({
    basePath: '/v1',
    supports: supportedScenarios(REPLIES, ['content_policy']),
    handler: async (_request, response, call, context) => {
      if (!bearerMatches(call, apiKey)) return sendJson(response, 401, REPLIES.unauthorized?.body);
      if (call.method === 'GET' && call.path === '/v1/image-generation-models') {
        return sendJson(response, 200, {
          models: listed.map((id) => ({
            id,
            object: 'model',
            owned_by: 'xai',
            // The dated snapshot is listed as an alias of its family id, as xAI does.
            aliases: [...MODELS].filter((alias) => alias !== id && alias.startsWith(`${id}-20`)),
            max_prompt_length: 8000,
          })),
        });
      }
      const edits = call.path === '/v1/images/edits';
      if (call.method !== 'POST' || (!edits && call.path !== '/v1/images/generations'))
        return sendJson(response, 404, xaiError('Not found', 'No such route'));
      if (!String(call.headers['content-type'] ?? '').startsWith('application/json')) {
        return sendJson(response, 415, xaiError('Unsupported media type', 'Expected request with `Content-Type: application/json`'));
      }
      const request = await readFakeRequest(call);
      if (!request) return sendJson(response, 400, xaiError('Client specified an invalid argument', 'Failed to deserialize the JSON body'));
      const problem = validate(request.fields, edits);
      if (problem) return sendJson(response, problem.status, problem.body);
      const scenario = context.nextScenario();
      if (scenario === 'content_policy') {
        return sendJson(response, 200, {
          data: [{ url: '', mime_type: 'image/jpeg', revised_prompt: '', respect_moderation: false }],
          usage: { cost_in_usd_ticks: 0 },
        });
      }
      await answerScenario(scenario, response, REPLIES, context, () =>
        success(request.fields, edits, (bytes) => context.hostFile(bytes, 'jpeg', 'image/jpeg')),
      );
    },
  });
}

function validate(fields: Record<string, unknown>, edits: boolean): FakeReply | undefined {
  for (const refused of ['size', 'style']) {
    if (refused in fields)
      return { status: 400, body: xaiError('Client specified an invalid argument', `Argument not supported: ${refused}`) };
  }
  if (typeof fields['model'] !== 'string' || !MODELS.has(fields['model'])) {
    return {
      status: 404,
      body: xaiError(
        'Some requested entity was not found',
        `The model ${String(fields['model'])} does not exist or your team does not have access to it.`,
      ),
    };
  }
  if (typeof fields['prompt'] !== 'string' || fields['prompt'] === '') return unprocessable('missing field `prompt`');
  const n = parseCount(fields['n']) ?? 1;
  if (!(n >= 1 && n <= 10)) return { status: 400, body: xaiError('Client specified an invalid argument', 'n must be between 1 and 10') };
  if (fields['quality'] !== undefined && !['low', 'medium', 'high'].includes(String(fields['quality'])))
    return unprocessable('unknown variant, expected one of `low`, `medium`, `high`');
  if (fields['aspect_ratio'] !== undefined && fields['aspect_ratio'] !== 'auto' && !(String(fields['aspect_ratio']) in SIZE_BY_RATIO))
    return unprocessable('unknown aspect_ratio');
  if (fields['resolution'] !== undefined && fields['resolution'] !== '1k' && fields['resolution'] !== '2k')
    return unprocessable('unknown variant, expected `1k` or `2k`');
  if (fields['response_format'] !== undefined && fields['response_format'] !== 'url' && fields['response_format'] !== 'b64_json')
    return unprocessable('unknown response_format');
  if (!edits) return 'image' in fields || 'images' in fields ? unprocessable('unknown field `image`') : undefined;
  const references = 'image' in fields ? [fields['image']] : Array.isArray(fields['images']) ? fields['images'] : [];
  if ('image' in fields === 'images' in fields || references.length === 0)
    return unprocessable('exactly one of `image` or `images` is required');
  if (references.length > MAX_EDIT_IMAGES)
    return {
      status: 400,
      body: xaiError('Client specified an invalid argument', `At most ${MAX_EDIT_IMAGES} images can be edited at once`),
    };
  for (const reference of references) {
    if (typeof reference === 'string') return unprocessable('invalid type: string, expected struct ImageUrl');
    const url = (reference as { url?: unknown } | null)?.url;
    if (typeof url !== 'string' || !/^(https:\/\/|data:image\/(png|jpeg|webp);base64,)/.test(url))
      return unprocessable('image url must be https or a data URI');
  }
  return undefined;
}

const unprocessable = (error: string): FakeReply => ({ status: 422, body: xaiError('Client specified an invalid argument', error) });

async function success(fields: Record<string, unknown>, edits: boolean, host: (bytes: Buffer) => string): Promise<FakeReply> {
  const n = parseCount(fields['n']) ?? 1;
  const [width, height] = SIZE_BY_RATIO[String(fields['aspect_ratio'])] ?? SIZE_BY_RATIO['1:1']!;
  const scale = fields['resolution'] === '2k' ? 2 : 1;
  const inputs = edits ? ('image' in fields ? 1 : (fields['images'] as unknown[]).length) : 0;
  const usage = { cost_in_usd_ticks: n * XAI_TICKS_PER_IMAGE + inputs * XAI_TICKS_PER_INPUT_IMAGE };
  if (fields['response_format'] === 'b64_json') {
    const images = await base64Images(n, width * scale, height * scale, 'jpeg');
    return { status: 200, body: { data: images.map((b64_json) => ({ b64_json, mime_type: 'image/jpeg', revised_prompt: '' })), usage } };
  }
  const files = await Promise.all(Array.from({ length: n }, (_, index) => fakeImage(width * scale, height * scale, 'jpeg', index)));
  return { status: 200, body: { data: files.map((bytes) => ({ url: host(bytes), mime_type: 'image/jpeg', revised_prompt: '' })), usage } };
}
