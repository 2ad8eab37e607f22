import { sendJson, startFakeUpstream, type FakeUpstream } from './fake-upstream.js';
import {
  answerScenario,
  base64Images,
  editImages,
  parseCount,
  parseSizeText,
  readFakeRequest,
  supportedScenarios,
  type FakeReply,
  type ScenarioReplies,
} from './openai-compatible-fake.js';

const MAX_N = 4;
/** Models on the OpenAI route and their largest edge (FLUX-1-dev's page allows up to 1024). */
const MODELS: Record<string, number> = {
  'stabilityai/sdxl-turbo': 2048,
  'black-forest-labs/FLUX-1-schnell': 2048,
  'black-forest-labs/FLUX-1-dev': 1024,
};

const deepInfraError = (message: string, type: string, code: number | string | null = null) => ({
  error: { message, type, param: null, code },
});
const REPLIES: ScenarioReplies = {
  // DeepInfra's 429 covers "200 concurrent requests" and "model busy while autoscaling"; whether it
  // sends Retry-After is unconfirmed: the fake sends one so the contract can check it is honoured.
  rate_limited: { status: 429, headers: { 'retry-after': '2' }, body: deepInfraError('Rate limited', 'rate_limit_error', 429) },
  bad_request: { status: 400, body: deepInfraError('size 4096x4096 is not supported by this model', 'invalid_request_error', 400) },
  server_error: { status: 500, body: deepInfraError('Internal server error', 'server_error', 500) },
  unauthorized: { status: 401, body: deepInfraError('Unauthorized: invalid or missing token', 'authentication_error', 401) },
};

/**
 * `api.deepinfra.com/v1/openai`: JSON `POST /images/generations`, multipart `POST /images/edits`
 * (`image` repeated, `mask`), `GET /models`. Only `b64_json` (any other `response_format` is a 400),
 * n ≤ 4; the base64 is JPEG, as DeepInfra's usually is. Accepts `bearer` in either case.
 */
export async function startDeepInfraFake(apiKey: string, options: { listedModels?: string[] } = {}): Promise<FakeUpstream> {
  // The list holds every model type, unmarked; `models check` guesses image models by name.
  const listed = [...(options.listedModels ?? Object.keys(MODELS)), 'meta-llama/Meta-Llama-3.1-8B-Instruct'];
  return startFakeUpstream({
    basePath: '/v1/openai',
    supports: supportedScenarios(REPLIES),
    handler: async (_request, response, call, context) => {
      // The scheme is case-insensitive (`bearer` in DeepInfra's examples); the token is not.
      if (/^bearer (.+)$/i.exec(String(call.headers.authorization ?? ''))?.[1] !== apiKey)
        return sendJson(response, 401, REPLIES.unauthorized?.body);
      if (call.method === 'GET' && call.path === '/v1/openai/models')
        return sendJson(response, 200, { object: 'list', data: listed.map((id) => ({ id, object: 'model', owned_by: 'deepinfra' })) });
      const edits = call.path === '/v1/openai/images/edits';
      if (call.method !== 'POST' || (!edits && call.path !== '/v1/openai/images/generations'))
        return sendJson(response, 404, { detail: 'Not Found' });
      const request = await readFakeRequest(call);
      if (!request || request.multipart !== edits)
        return sendJson(response, 400, deepInfraError('Invalid request body', 'invalid_request_error', 400));
      const problem = validate(request.fields, edits ? editImages(request).length : undefined);
      if (problem) return sendJson(response, problem.status, problem.body);
      const scenario = context.nextScenario();
      await answerScenario(scenario, response, REPLIES, context, () => success(request.fields));
    },
  });
}

function validate(fields: Record<string, unknown>, editImageCount: number | undefined): FakeReply | undefined {
  const maxEdge = MODELS[String(fields['model'])];
  if (maxEdge === undefined)
    return { status: 404, body: deepInfraError(`Model is not available: ${String(fields['model'])}`, 'invalid_request_error', 404) };
  const invalid = (message: string): FakeReply => ({ status: 400, body: deepInfraError(message, 'invalid_request_error', 400) });
  if (typeof fields['prompt'] !== 'string' || fields['prompt'] === '') return invalid('prompt is required');
  const n = parseCount(fields['n']) ?? 1;
  if (!(n >= 1 && n <= MAX_N)) return invalid(`n must be between 1 and ${MAX_N}`);
  if (fields['response_format'] !== undefined && fields['response_format'] !== 'b64_json')
    return invalid("only response_format 'b64_json' is supported");
  if (fields['size'] !== undefined) {
    const size = parseSizeText(fields['size']);
    if (!size || size.width > maxEdge || size.height > maxEdge)
      return invalid(`size ${String(fields['size'])} is not supported by this model`);
  }
  if (editImageCount === 0) return invalid('image is required');
  return undefined;
}

async function success(fields: Record<string, unknown>): Promise<FakeReply> {
  const n = parseCount(fields['n']) ?? 1;
  const size = parseSizeText(fields['size']) ?? { width: 1024, height: 1024 };
  const images = await base64Images(n, size.width, size.height, 'jpeg');
  return {
    status: 200,
    body: { created: Math.floor(Date.now() / 1000), data: images.map((b64_json) => ({ revised_prompt: fields['prompt'], b64_json })) },
  };
}
