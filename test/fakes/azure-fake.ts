import { sendJson, startFakeUpstream, type FakeUpstream } from './fake-upstream.js';
import {
  answerScenario,
  base64Images,
  editImages,
  parseCount,
  readFakeRequest,
  supportedScenarios,
  uploadedSize,
  type FakeReply,
  type FakeRequest,
  type ScenarioReplies,
} from './openai-compatible-fake.js';

export const AZURE_API_VERSIONS = ['2024-02-01', '2025-04-01-preview'];
const SIZES = ['1024x1024', '1536x1024', '1024x1536', 'auto'];
const QUALITIES = ['low', 'medium', 'high', 'auto'];
const MAX_EDIT_IMAGES = 16;
/** GPT-image output tokens at 1024x1024 by quality (openai.md section 7). */
const OUTPUT_TOKENS: Record<string, number> = { low: 272, medium: 1056, high: 4160, auto: 1056 };

const azureError = (code: string, message: string, extra: Record<string, unknown> = {}) => ({ error: { code, message, ...extra } });
const REPLIES: ScenarioReplies = {
  rate_limited: {
    status: 429,
    headers: { 'retry-after': '2', 'retry-after-ms': '2000' },
    body: azureError(
      '429',
      'Requests to the Images_Generations Operation under Azure OpenAI API version 2025-04-01-preview have exceeded call rate limit of your current OpenAI S0 pricing tier. Please retry after 2 seconds.',
    ),
  },
  bad_request: {
    status: 400,
    body: {
      error: {
        message: "Invalid value: '512x512'. Supported values are: '1024x1024', '1024x1536', '1536x1024', and 'auto'.",
        type: 'invalid_request_error',
        param: 'size',
        code: 'invalid_value',
      },
    },
  },
  content_policy: {
    status: 400,
    body: azureError(
      'content_policy_violation',
      'Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.',
      {
        type: 'invalid_request_error',
        param: null,
        inner_error: {
          code: 'ResponsibleAIPolicyViolation',
          content_filter_results: {
            hate: { filtered: false, severity: 'safe' },
            sexual: { filtered: true, severity: 'medium' },
            violence: { filtered: false, severity: 'safe' },
            self_harm: { filtered: false, severity: 'safe' },
          },
        },
      },
    ),
  },
  server_error: {
    status: 500,
    body: azureError('InternalServerError', 'The service is temporarily unable to process your request. Please try again later.'),
  },
  unauthorized: {
    status: 401,
    body: azureError(
      '401',
      'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
    ),
  },
};

const CLASSIC = /^\/openai\/deployments\/([^/]+)\/images\/(generations|edits)$/;
const V1 = /^\/openai\/v1\/images\/(generations|edits)$/;

/**
 * An Azure OpenAI resource with GPT-image deployments, at its root: classic deployment URLs
 * (`/openai/deployments/{name}/images/…?api-version=`, the model comes from the URL) and the v1 API
 * (`/openai/v1/images/…`, the deployment in `model`). `api-key` header; 404 without api-version or
 * for an unknown deployment; `response_format` is an unknown parameter, as on GPT-image.
 */
export async function startAzureFake(apiKey: string, deployments: string[] = ['gpt-image-1']): Promise<FakeUpstream> {
  return startFakeUpstream({
    basePath: '',
    supports: supportedScenarios(REPLIES),
    handler: async (_request, response, call, context) => {
      if (call.headers['api-key'] !== apiKey) return sendJson(response, 401, REPLIES.unauthorized?.body);
      const classic = CLASSIC.exec(call.path);
      const v1 = V1.exec(call.path);
      if (call.method === 'GET' && (call.path === '/openai/models' || call.path === '/openai/v1/models')) {
        if (call.path === '/openai/models' && !AZURE_API_VERSIONS.includes(call.query.get('api-version') ?? ''))
          return sendJson(response, 404, azureError('404', 'Resource not found'));
        return sendJson(response, 200, { object: 'list', data: [{ id: 'gpt-image-1', object: 'model' }] });
      }
      if (call.method !== 'POST' || (!classic && !v1)) return sendJson(response, 404, azureError('404', 'Resource not found'));
      if (classic && !AZURE_API_VERSIONS.includes(call.query.get('api-version') ?? ''))
        return sendJson(response, 404, azureError('404', 'Resource not found'));
      const request = await readFakeRequest(call);
      const edits = (classic?.[2] ?? v1?.[1]) === 'edits';
      if (!request || request.multipart !== edits) return sendJson(response, 400, azureError('BadRequest', 'Invalid request body'));
      const deployment = classic ? decodeURIComponent(classic[1]!) : String(request.fields['model']);
      if (!deployments.includes(deployment)) {
        return sendJson(
          response,
          404,
          azureError(
            'DeploymentNotFound',
            'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.',
          ),
        );
      }
      const problem = await validate(request, edits);
      if (problem) return sendJson(response, problem.status, problem.body);
      const scenario = context.nextScenario();
      await answerScenario(scenario, response, REPLIES, context, () => success(request.fields));
    },
  });
}

async function validate(request: FakeRequest, edits: boolean): Promise<FakeReply | undefined> {
  const { fields } = request;
  const invalid = (param: string, message: string, code = 'invalid_value'): FakeReply => ({
    status: 400,
    body: { error: { message, type: 'invalid_request_error', param, code } },
  });
  if ('response_format' in fields) return invalid('response_format', "Unknown parameter: 'response_format'.", 'unknown_parameter');
  if (typeof fields['prompt'] !== 'string' || fields['prompt'] === '')
    return invalid('prompt', "Missing required parameter: 'prompt'.", 'missing_required_parameter');
  const n = parseCount(fields['n']) ?? 1;
  if (!(n >= 1 && n <= 10)) return invalid('n', `Invalid value: ${String(fields['n'])}.`);
  if (fields['size'] !== undefined && !SIZES.includes(String(fields['size']))) return REPLIES.bad_request;
  if (fields['quality'] !== undefined && !QUALITIES.includes(String(fields['quality'])))
    return invalid('quality', `Invalid value: '${String(fields['quality'])}'.`);
  if (fields['output_format'] !== undefined && !['png', 'jpeg', 'webp'].includes(String(fields['output_format'])))
    return invalid('output_format', 'Invalid value.');
  if (!edits) return undefined;
  const images = editImages(request);
  if (images.length === 0 || images.length > MAX_EDIT_IMAGES)
    return invalid('image', `Between 1 and ${MAX_EDIT_IMAGES} images are required.`);
  const mask = request.files.get('mask')?.[0];
  if (mask) {
    const [first, maskSize] = await Promise.all([uploadedSize(images[0]!), uploadedSize(mask)]);
    if (!maskSize?.hasAlpha || maskSize.width !== first?.width || maskSize.height !== first?.height)
      return invalid('mask', 'Invalid mask image: it must have an alpha channel and the size of the image.');
  }
  return undefined;
}

async function success(fields: Record<string, unknown>): Promise<FakeReply> {
  const n = parseCount(fields['n']) ?? 1;
  const size = fields['size'] === undefined || fields['size'] === 'auto' ? '1024x1024' : String(fields['size']);
  const [width, height] = size.split('x').map(Number) as [number, number];
  const format = fields['output_format'] === 'jpeg' || fields['output_format'] === 'webp' ? fields['output_format'] : 'png';
  const quality = QUALITIES.includes(String(fields['quality'])) ? String(fields['quality']) : 'auto';
  const images = await base64Images(n, width, height, format);
  const outputTokens = (OUTPUT_TOKENS[quality] ?? 1056) * n;
  return {
    status: 200,
    body: {
      created: Math.floor(Date.now() / 1000),
      background: 'opaque',
      output_format: format,
      size,
      quality: quality === 'auto' ? 'medium' : quality,
      data: images.map((b64_json) => ({ b64_json })),
      usage: {
        total_tokens: outputTokens + 50,
        input_tokens: 50,
        output_tokens: outputTokens,
        input_tokens_details: { text_tokens: 50, image_tokens: 0 },
      },
    },
  };
}
