import type { ServerResponse } from 'node:http';
import sharp from 'sharp';
import { sniffImageFormat } from '../../src/images/sniff-image-format.js';
import {
  fakeImage,
  formDataOf,
  sendJson,
  sendMalformed,
  sendStalledJson,
  sendTruncatedJson,
  sleep,
  startFakeUpstream,
  type FakeContext,
  type FakeScenario,
  type FakeUpstream,
  type RecordedCall,
} from './fake-upstream.js';

/**
 * A wire-faithful OpenAI Images API (reference: https://platform.openai.com/docs/api-reference/images): Bearer auth
 * with OpenAI's 401 bodies, per-model validation with OpenAI's 400 bodies (`unknown_parameter` for
 * `response_format` on GPT image models, sizes, qualities, `n`), multipart and JSON edits with mask
 * checks, real images at the resolved size, `usage` from OpenAI's token table, DALL·E URL results
 * hosted on the fake itself, and OpenAI's error shapes for every scripted failure.
 */

export const OPENAI_FAKE_API_KEY = 'sk-fake-openai-0123456789abcdefghij';

/** OpenAI failures beyond the shared scenarios, scripted with `failNext`. */
export type OpenAIFailure =
  'insufficient_quota' | 'billing_hard_limit' | 'moderation_blocked_output' | 'service_unavailable' | 'unverified_organization';

export interface OpenAIFake extends FakeUpstream {
  /** Scripts OpenAI-specific failures for the next generation requests (taken before the shared queue). */
  failNext(...failures: OpenAIFailure[]): void;
}

export interface OpenAIFakeOptions {
  /** The only key the fake accepts. */
  apiKey?: string;
  /** Models that answer 404 `model_not_found` "deprecated" (DALL·E since 2026-05-12). */
  retiredModels?: string[];
  /** Whether the contract suite may script `result_gone` (only URL results can go missing). */
  urlResults?: boolean;
  /** What `GET /v1/models` lists (default: every model the fake serves, and a few text models, as the real list mixes them). */
  listedModels?: string[];
}

const TEXT_MODELS = ['gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small', 'whisper-1'];

const BASE_SCENARIOS: FakeScenario[] = [
  'success',
  'rate_limited',
  'bad_request',
  'content_policy',
  'server_error',
  'unauthorized',
  'slow',
  'malformed',
  'truncated',
  'stalled',
];
/** The `Retry-After` OpenAI sends with a 429 rate limit, in seconds. */
const RATE_LIMIT_RETRY_AFTER_SECONDS = 2;
/** Input image tokens the fake reports per input image (a stand-in: OpenAI's count depends on size and fidelity). */
const INPUT_IMAGE_TOKENS = 323;

export async function startOpenAIFake(options: OpenAIFakeOptions = {}): Promise<OpenAIFake> {
  const apiKey = options.apiKey ?? OPENAI_FAKE_API_KEY;
  const retired = new Set(options.retiredModels ?? []);
  const listed = options.listedModels ?? [...Object.keys(FAKE_OPENAI_MODELS), ...TEXT_MODELS];
  const failures: OpenAIFailure[] = [];
  let requestCounter = 0;
  const fake = await startFakeUpstream({
    basePath: '/v1',
    supports: options.urlResults ? [...BASE_SCENARIOS, 'result_gone'] : BASE_SCENARIOS,
    handler: async (_request, response, call, context) => {
      requestCounter += 1;
      const headers = { 'x-request-id': `req_fake${requestCounter.toString().padStart(6, '0')}` };
      const route = `${call.method} ${call.path}`;
      if (route === 'GET /v1/models') {
        if (!authorized(call, apiKey)) return sendUnauthorized(response, call, headers);
        return sendJson(
          response,
          200,
          {
            object: 'list',
            data: listed.map((id) => ({ id, object: 'model', created: 1_698_785_189, owned_by: 'system' })),
          },
          headers,
        );
      }
      if (route !== 'POST /v1/images/generations' && route !== 'POST /v1/images/edits') {
        return sendError(
          response,
          404,
          { message: `Invalid URL (${route})`, type: 'invalid_request_error', param: null, code: null },
          headers,
        );
      }
      const scenario = context.nextScenario();
      const failure = failures.shift();
      if (scenario === 'unauthorized' || !authorized(call, apiKey)) return sendUnauthorized(response, call, headers);
      if (failure) return sendFailure(response, failure, headers);
      const request = route === 'POST /v1/images/edits' ? await readEdit(call, retired) : readGeneration(call, retired);
      if ('error' in request) return sendError(response, request.status ?? 400, request.error, headers);
      return answer(response, scenario, request, context, headers);
    },
  });
  return Object.assign(fake, { failNext: (...next: OpenAIFailure[]) => void failures.push(...next) });
}

/** What a generation or edit asked for, after validation. */
interface FakeRequest {
  model: string;
  profile: FakeOpenAIModel;
  prompt: string;
  n: number;
  size: string;
  quality: string;
  outputFormat: 'png' | 'jpeg' | 'webp';
  background: string;
  responseFormat: string;
  inputImages: number;
}

interface OpenAIErrorObject {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

type Parsed = FakeRequest | { error: OpenAIErrorObject; status?: number };

const invalid = (param: string, message: string, code = 'invalid_value'): Parsed => ({
  error: { message, type: 'invalid_request_error', param, code },
});

/** A model the fake serves, or OpenAI's 404 for an unknown or retired one. */
function lookupModel(model: string, retired: ReadonlySet<string>): FakeOpenAIModel | { status: number; error: OpenAIErrorObject } {
  const notFound = (message: string) => ({
    status: 404,
    error: { message, type: 'invalid_request_error', param: null, code: 'model_not_found' },
  });
  if (retired.has(model))
    return notFound(`The model \`${model}\` has been deprecated. Learn more: https://platform.openai.com/docs/deprecations`);
  return FAKE_OPENAI_MODELS[model] ?? notFound(`The model \`${model}\` does not exist or you do not have access to it.`);
}

function authorized(call: RecordedCall, apiKey: string): boolean {
  return call.headers.authorization === `Bearer ${apiKey}`;
}

/** OpenAI echoes a masked key: the first characters and the last four. */
function sendUnauthorized(response: ServerResponse, call: RecordedCall, headers: Record<string, string>): void {
  const given = /^Bearer (.+)$/.exec(call.headers.authorization ?? '')?.[1];
  if (!given) {
    return sendError(
      response,
      401,
      {
        message:
          "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username. You can obtain an API key from https://platform.openai.com/account/api-keys.",
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
      headers,
    );
  }
  const masked = `${given.slice(0, 3)}${'*'.repeat(Math.max(0, given.length - 7))}${given.slice(-4)}`;
  return sendError(
    response,
    401,
    {
      message: `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      type: 'invalid_request_error',
      param: null,
      code: 'invalid_api_key',
    },
    headers,
  );
}

function sendError(
  response: ServerResponse,
  status: number,
  error: OpenAIErrorObject & { moderation_details?: unknown },
  headers: Record<string, string> = {},
): void {
  sendJson(response, status, { error }, headers);
}

function sendFailure(response: ServerResponse, failure: OpenAIFailure, headers: Record<string, string>): void {
  switch (failure) {
    case 'insufficient_quota':
      return sendError(
        response,
        429,
        {
          message:
            'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
          type: 'insufficient_quota',
          param: null,
          code: 'insufficient_quota',
        },
        headers,
      );
    case 'billing_hard_limit':
      return sendError(
        response,
        400,
        { message: 'Billing hard limit has been reached', type: 'invalid_request_error', param: null, code: 'billing_hard_limit_reached' },
        headers,
      );
    case 'moderation_blocked_output':
      return sendError(
        response,
        400,
        { ...moderationBlocked(), moderation_details: { moderation_stage: 'output', categories: ['violence'] } },
        headers,
      );
    case 'service_unavailable':
      return sendError(
        response,
        503,
        { message: 'The engine is currently overloaded, please try again later.', type: 'server_error', param: null, code: null },
        headers,
      );
    case 'unverified_organization':
      return sendError(
        response,
        403,
        {
          message:
            'Your organization must be verified to use the model `gpt-image-1`. Please go to: https://platform.openai.com/settings/organization/general and click on Verify Organization.',
          type: 'invalid_request_error',
          param: null,
          code: null,
        },
        headers,
      );
  }
}

function moderationBlocked(): OpenAIErrorObject {
  return {
    message:
      'Your request was rejected by the safety system. If you believe this is an error, contact us at help.openai.com and include the request ID req_fake. safety_violations=[sexual].',
    type: 'image_generation_user_error',
    param: null,
    code: 'moderation_blocked',
  };
}

function readGeneration(call: RecordedCall, retired: ReadonlySet<string>): Parsed {
  if (!String(call.headers['content-type'] ?? '').startsWith('application/json')) {
    return invalid('', "Invalid Content-Type header (multipart/form-data), expected 'application/json'.", 'invalid_content_type');
  }
  let body: unknown;
  try {
    body = JSON.parse(call.body.toString('utf8'));
  } catch {
    return invalid('', 'We could not parse the JSON body of your request.', 'invalid_json');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return invalid('', 'The body must be a JSON object.', 'invalid_json');
  const fields = body as Record<string, unknown>;
  const model = typeof fields['model'] === 'string' ? fields['model'] : 'dall-e-2';
  const profile = lookupModel(model, retired);
  if ('error' in profile) return profile;
  // JSON bodies are checked strictly: an unknown field is a 400, as OpenAI does.
  for (const name of Object.keys(fields)) {
    if (!OPENAI_PARAMETERS[profile.family].generation.includes(name))
      return invalid(name, `Unknown parameter: '${name}'.`, 'unknown_parameter');
  }
  return validate(fields, model, profile, 0);
}

async function readEdit(call: RecordedCall, retired: ReadonlySet<string>): Promise<Parsed> {
  const contentType = String(call.headers['content-type'] ?? '');
  if (!contentType.startsWith('multipart/form-data')) return readJsonEdit(call, retired);
  const form = await formDataOf(call);
  const model = String(form.get('model') ?? 'gpt-image-1.5');
  const profile = lookupModel(model, retired);
  if ('error' in profile) return profile;
  if (profile.maxInputImages === 0) return invalid('model', `Invalid value: '${model}'. Value must be 'dall-e-2' or a GPT image model.`);
  const files = [...form.getAll('image'), ...form.getAll('image[]')].filter((entry): entry is File => typeof entry !== 'string');
  const images = await Promise.all(files.map(async (file) => Buffer.from(await file.arrayBuffer())));
  const mask = form.get('mask');
  const inputCheck = await checkInputs(
    images,
    typeof mask === 'string' || mask === null ? undefined : Buffer.from(await mask.arrayBuffer()),
    profile,
  );
  if (inputCheck) return inputCheck;
  // Multipart fields the endpoint doesn't know are ignored (e.g. `moderation`, which ImageRouter sends).
  const fields: Record<string, unknown> = {};
  for (const name of OPENAI_PARAMETERS[profile.family].edit) {
    const value = form.get(name);
    if (typeof value === 'string') fields[name] = ['n', 'output_compression', 'partial_images'].includes(name) ? Number(value) : value;
  }
  return validate(fields, model, profile, images.length);
}

/** JSON edits (GPT image models): `images: [{image_url}]` with data URLs; file ids and http URLs are not served here. */
async function readJsonEdit(call: RecordedCall, retired: ReadonlySet<string>): Promise<Parsed> {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(call.body.toString('utf8')) as Record<string, unknown>;
  } catch {
    return invalid('', 'We could not parse the JSON body of your request.', 'invalid_json');
  }
  const model = typeof body['model'] === 'string' ? body['model'] : 'gpt-image-1.5';
  const profile = lookupModel(model, retired);
  if ('error' in profile) return profile;
  if (profile.family === 'dall-e-2' || profile.family === 'dall-e-3')
    return invalid('model', `JSON edits are not available for '${model}'.`);
  const references = Array.isArray(body['images']) ? body['images'] : [];
  const images = references.map((reference) => dataUrlBytes(reference));
  if (images.some((image) => image === undefined))
    return invalid('images', "Each item of 'images' needs an 'image_url' data URL in this fake.");
  const mask = body['mask'] === undefined ? undefined : dataUrlBytes(body['mask']);
  const inputCheck = await checkInputs(images as Buffer[], mask, profile);
  if (inputCheck) return inputCheck;
  const { images: _images, mask: _mask, ...fields } = body;
  return validate(fields, model, profile, images.length);
}

function dataUrlBytes(reference: unknown): Buffer | undefined {
  const url = typeof reference === 'object' && reference !== null ? (reference as { image_url?: unknown }).image_url : undefined;
  const match = typeof url === 'string' ? /^data:image\/[a-z]+;base64,(.+)$/.exec(url) : null;
  return match?.[1] ? Buffer.from(match[1], 'base64') : undefined;
}

async function checkInputs(images: Buffer[], mask: Buffer | undefined, profile: FakeOpenAIModel): Promise<Parsed | undefined> {
  if (images.length === 0) return invalid('image', "Missing required parameter: 'image'.", 'missing_required_parameter');
  if (images.length > profile.maxInputImages)
    return invalid('image', `Too many images: ${images.length}. At most ${profile.maxInputImages} are allowed.`, 'invalid_value');
  const metadata = await Promise.all(
    images.map((image) =>
      sharp(image)
        .metadata()
        .catch(() => undefined),
    ),
  );
  for (const [index, image] of images.entries()) {
    const format = sniffImageFormat(image);
    const allowed = profile.family === 'dall-e-2' ? ['png'] : ['png', 'jpeg', 'webp'];
    if (!format || !allowed.includes(format) || !metadata[index]) {
      return invalid('image', `Invalid image file or mode for image ${index + 1}, please check your image file.`, 'invalid_image_format');
    }
  }
  const first = metadata[0]!;
  if (profile.family === 'dall-e-2' && first.width !== first.height)
    return invalid('image', 'Invalid input image - image must be square.', 'invalid_image');
  if (mask) {
    const maskMetadata = await sharp(mask)
      .metadata()
      .catch(() => undefined);
    if (sniffImageFormat(mask) !== 'png' || !maskMetadata?.hasAlpha)
      return invalid('mask', 'Invalid mask image format - mask must be a PNG with an alpha channel.', 'invalid_image_format');
    if (maskMetadata.width !== first.width || maskMetadata.height !== first.height) {
      return invalid(
        'mask',
        `Invalid mask image - mask size (${maskMetadata.width}x${maskMetadata.height}) does not match image size (${first.width}x${first.height}).`,
        'invalid_image',
      );
    }
  }
  return undefined;
}

/** The checks OpenAI makes on values, with its messages (wire reference §6). */
function validate(fields: Record<string, unknown>, model: string, profile: FakeOpenAIModel, inputImages: number): Parsed {
  const prompt = fields['prompt'];
  if (typeof prompt !== 'string' || prompt === '')
    return invalid('prompt', "Missing required parameter: 'prompt'.", 'missing_required_parameter');
  if (prompt.length > profile.maxPromptLength)
    return invalid(
      'prompt',
      `Invalid 'prompt': string too long. Expected a string with maximum length ${profile.maxPromptLength}, but got a string with length ${prompt.length} instead.`,
      'string_above_max_length',
    );
  const n = fields['n'] ?? 1;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > profile.maxN)
    return invalid('n', `Invalid 'n': expected an integer from 1 to ${profile.maxN}, got ${JSON.stringify(n)}.`);
  const size = String(fields['size'] ?? profile.defaultSize);
  if (!profile.acceptsSize(size)) return invalid('size', `Invalid value: '${size}'. Supported values are: ${profile.sizeList}.`);
  const quality = String(fields['quality'] ?? profile.qualities[0]);
  if (!profile.qualities.includes(quality))
    return invalid(
      'quality',
      `Invalid value: '${quality}'. Supported values are: ${profile.qualities.map((value) => `'${value}'`).join(', ')}.`,
    );
  const outputFormat = String(fields['output_format'] ?? 'png');
  if (!['png', 'jpeg', 'webp'].includes(outputFormat))
    return invalid('output_format', `Invalid value: '${outputFormat}'. Supported values are: 'png', 'jpeg', and 'webp'.`);
  const background = String(fields['background'] ?? 'auto');
  const noTransparency = profile.family === 'gpt-image-2' || profile.family === 'gpt-image-2.5' || profile.family === 'gpt-image-2.6';
  if (background === 'transparent' && (noTransparency || outputFormat === 'jpeg')) {
    return invalid(
      'background',
      noTransparency
        ? `Transparent background is not supported for ${model}.`
        : 'Transparent background requires output_format png or webp.',
    );
  }
  const complexity = fields['complexity'];
  if (complexity !== undefined && !['low', 'medium', 'high'].includes(String(complexity)))
    return invalid('complexity', `Invalid value: '${String(complexity)}'. Supported values are: 'low', 'medium', and 'high'.`);
  if (fields['input_fidelity'] !== undefined && !profile.inputFidelity)
    return invalid('input_fidelity', `input_fidelity is not supported for ${model}.`, 'unsupported_parameter');
  const style = fields['style'];
  if (style !== undefined && style !== 'vivid' && style !== 'natural')
    return invalid('style', `Invalid value: '${String(style)}'. Supported values are: 'vivid' and 'natural'.`);
  return {
    model,
    profile,
    prompt,
    n,
    size,
    quality,
    outputFormat: outputFormat as FakeRequest['outputFormat'],
    background,
    responseFormat: String(fields['response_format'] ?? 'url'),
    inputImages,
  };
}

async function answer(
  response: ServerResponse,
  scenario: FakeScenario,
  request: FakeRequest,
  context: FakeContext,
  headers: Record<string, string>,
): Promise<void> {
  switch (scenario) {
    case 'rate_limited':
      return sendError(
        response,
        429,
        {
          message: `Rate limit exceeded for images per minute in organization org-fake. Limit: 5/1min. Current: 6/1min. Please visit https://platform.openai.com/docs/guides/rate-limits to learn how to increase your rate limit.`,
          type: 'requests',
          param: null,
          code: 'rate_limit_exceeded',
        },
        {
          ...headers,
          'retry-after': String(RATE_LIMIT_RETRY_AFTER_SECONDS),
          'x-ratelimit-limit-requests': '5',
          'x-ratelimit-remaining-requests': '0',
          'x-ratelimit-reset-requests': `${RATE_LIMIT_RETRY_AFTER_SECONDS}s`,
        },
      );
    case 'bad_request':
      // What OpenAI answers a size the model lacks (wire reference §6).
      return sendError(
        response,
        400,
        {
          message: "Invalid value: '512x512'. Supported values are: '1024x1024', '1024x1536', '1536x1024', and 'auto'.",
          type: 'invalid_request_error',
          param: 'size',
          code: 'invalid_value',
        },
        headers,
      );
    case 'content_policy':
      return request.profile.family === 'dall-e-2' || request.profile.family === 'dall-e-3'
        ? sendError(
            response,
            400,
            {
              message:
                'Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.',
              type: 'invalid_request_error',
              param: null,
              code: 'content_policy_violation',
            },
            headers,
          )
        : sendError(
            response,
            400,
            { ...moderationBlocked(), moderation_details: { moderation_stage: 'input', categories: ['sexual'] } },
            headers,
          );
    case 'server_error':
      return sendError(
        response,
        500,
        {
          message: 'The server had an error while processing your request. Sorry about that!',
          type: 'server_error',
          param: null,
          code: null,
        },
        headers,
      );
    case 'malformed':
      return sendMalformed(response);
    case 'slow':
      await sleep(context.slowMs);
      break;
    default:
      break;
  }
  const body = await successBody(request, context, scenario === 'result_gone');
  if (scenario === 'truncated') return sendTruncatedJson(response, body);
  if (scenario === 'stalled') return sendStalledJson(response, body, headers);
  sendJson(response, 200, body, headers);
}

async function successBody(request: FakeRequest, context: FakeContext, dropFiles: boolean): Promise<Record<string, unknown>> {
  const { profile } = request;
  const resolved = request.size === 'auto' ? '1024x1024' : request.size;
  const [width, height] = resolved.split('x').map(Number) as [number, number];
  const isDallE = profile.family === 'dall-e-2' || profile.family === 'dall-e-3';
  const format = isDallE ? 'png' : request.outputFormat;
  const images = await Promise.all(Array.from({ length: request.n }, (_, index) => fakeImage(width, height, format, index)));
  const created = Math.floor(Date.now() / 1000);
  if (isDallE) {
    const data = images.map((bytes) => {
      const revised = profile.family === 'dall-e-3' ? { revised_prompt: `A detailed rendering of ${request.prompt}` } : {};
      if (request.responseFormat === 'b64_json') return { b64_json: bytes.toString('base64'), ...revised };
      const url = context.hostFile(bytes, 'png', 'image/png');
      if (dropFiles) context.dropFile(url);
      return { url: `${url}?st=2026-11-25T10%3A00%3A00Z&se=2026-11-25T11%3A00%3A00Z&sig=fake`, ...revised };
    });
    return { created, data };
  }
  const quality = request.quality === 'auto' ? 'medium' : request.quality;
  const perImage = outputTokens(profile.family, quality, width, height);
  const textTokens = Math.ceil(request.prompt.length / 4);
  const imageTokens = request.inputImages * INPUT_IMAGE_TOKENS;
  return {
    created,
    background: request.background === 'transparent' ? 'transparent' : 'opaque',
    output_format: request.outputFormat,
    size: resolved,
    quality,
    data: images.map((bytes) => ({ b64_json: bytes.toString('base64') })),
    usage: {
      total_tokens: textTokens + imageTokens + perImage * request.n,
      input_tokens: textTokens + imageTokens,
      output_tokens: perImage * request.n,
      input_tokens_details: { text_tokens: textTokens, image_tokens: imageTokens },
    },
  };
}

// ---- What each model accepts (wire reference §3, §7), kept apart from the adapter's own tables so
// ---- that a mistake there is caught here.

type FakeFamily = 'dall-e-2' | 'dall-e-3' | 'gpt-image' | 'gpt-image-2' | 'gpt-image-2.5' | 'gpt-image-2.6';

interface FakeOpenAIModel {
  family: FakeFamily;
  maxN: number;
  maxPromptLength: number;
  maxInputImages: number;
  /** The first one is the default. */
  qualities: string[];
  defaultSize: string;
  sizeList: string;
  acceptsSize(size: string): boolean;
  inputFidelity: boolean;
}

const fixedSizes = (sizes: string[]) => ({
  sizeList: sizes.map((size) => `'${size}'`).join(', '),
  acceptsSize: (size: string) => sizes.includes(size),
});
const GPT_IMAGE_SIZES = fixedSizes(['1024x1024', '1024x1536', '1536x1024', 'auto']);
const GPT_IMAGE_QUALITIES = ['auto', 'low', 'medium', 'high'];

/** gpt-image-2: multiples of 16, long edge <= 3x short and <= 3840, 655,360 to 8,294,400 pixels. */
function gptImage2Size(size: string): boolean {
  if (size === 'auto') return true;
  const match = /^(\d+)x(\d+)$/.exec(size);
  if (!match) return false;
  const width = Number(match[1]);
  const height = Number(match[2]);
  const long = Math.max(width, height);
  const short = Math.min(width, height);
  return (
    width % 16 === 0 && height % 16 === 0 && long <= 3840 && long <= 3 * short && width * height >= 655_360 && width * height <= 8_294_400
  );
}

const gptImage = (inputFidelity: boolean): FakeOpenAIModel => ({
  family: 'gpt-image',
  maxN: 10,
  maxPromptLength: 32_000,
  maxInputImages: 16,
  qualities: GPT_IMAGE_QUALITIES,
  defaultSize: 'auto',
  ...GPT_IMAGE_SIZES,
  inputFidelity,
});

const GPT_IMAGE_2_5_QUALITIES = ['auto', 'low', 'medium', 'high', 'xhigh', 'max'];

function gptImage2Like(family: FakeFamily, qualities: string[]): FakeOpenAIModel {
  return {
    ...gptImage(false),
    family,
    qualities,
    sizeList: "'auto' or WIDTHxHEIGHT (multiples of 16, ratio <= 3:1, edges <= 3840, 655360 to 8294400 pixels)",
    acceptsSize: gptImage2Size,
  };
}

const FAKE_OPENAI_MODELS: Record<string, FakeOpenAIModel> = {
  'dall-e-2': {
    family: 'dall-e-2',
    maxN: 10,
    maxPromptLength: 1000,
    maxInputImages: 1,
    qualities: ['standard'],
    defaultSize: '1024x1024',
    ...fixedSizes(['256x256', '512x512', '1024x1024']),
    inputFidelity: false,
  },
  'dall-e-3': {
    family: 'dall-e-3',
    maxN: 1,
    maxPromptLength: 4000,
    maxInputImages: 0,
    qualities: ['standard', 'hd'],
    defaultSize: '1024x1024',
    ...fixedSizes(['1024x1024', '1792x1024', '1024x1792']),
    inputFidelity: false,
  },
  'gpt-image-1': gptImage(true),
  'gpt-image-1.5': gptImage(true),
  'gpt-image-1-mini': gptImage(false),
  'gpt-image-2': gptImage2Like('gpt-image-2', GPT_IMAGE_QUALITIES),
  // GPT Image 2.5 and 2.6: gpt-image-2's size rules, two more quality tiers; 2.6 takes `complexity`.
  'gpt-image-2.5-flare': gptImage2Like('gpt-image-2.5', GPT_IMAGE_2_5_QUALITIES),
  'gpt-image-2.5-sunburst': gptImage2Like('gpt-image-2.5', GPT_IMAGE_2_5_QUALITIES),
  'gpt-image-2.6-flare': gptImage2Like('gpt-image-2.6', GPT_IMAGE_2_5_QUALITIES),
  'gpt-image-2.6-sunburst': gptImage2Like('gpt-image-2.6', GPT_IMAGE_2_5_QUALITIES),
};

/** Fields each family's endpoints know: JSON generations refuse others, multipart edits ignore them. */
const GPT_IMAGE_GENERATION = [
  'model',
  'prompt',
  'n',
  'size',
  'quality',
  'output_format',
  'output_compression',
  'background',
  'moderation',
  'user',
  'stream',
  'partial_images',
];
const GPT_IMAGE_EDIT = [
  'model',
  'prompt',
  'n',
  'size',
  'quality',
  'output_format',
  'output_compression',
  'background',
  'input_fidelity',
  'user',
  'stream',
  'partial_images',
];
const OPENAI_PARAMETERS: Record<FakeFamily, { generation: string[]; edit: string[] }> = {
  'dall-e-2': {
    generation: ['model', 'prompt', 'n', 'size', 'quality', 'response_format', 'user'],
    edit: ['model', 'prompt', 'n', 'size', 'response_format', 'user'],
  },
  'dall-e-3': { generation: ['model', 'prompt', 'n', 'size', 'quality', 'response_format', 'style', 'user'], edit: [] },
  'gpt-image': { generation: GPT_IMAGE_GENERATION, edit: GPT_IMAGE_EDIT },
  'gpt-image-2': { generation: GPT_IMAGE_GENERATION, edit: GPT_IMAGE_EDIT },
  'gpt-image-2.5': { generation: GPT_IMAGE_GENERATION, edit: GPT_IMAGE_EDIT },
  'gpt-image-2.6': { generation: [...GPT_IMAGE_GENERATION, 'complexity'], edit: [...GPT_IMAGE_EDIT, 'complexity'] },
};

/** Output image tokens per image of GPT image models (wire reference §7; OpenAI's calculator). */
const GPT_IMAGE_OUTPUT_TOKENS: Record<string, Record<string, number>> = {
  low: { '1024x1024': 272, '1024x1536': 408, '1536x1024': 400 },
  medium: { '1024x1024': 1056, '1024x1536': 1584, '1536x1024': 1568 },
  high: { '1024x1024': 4160, '1024x1536': 6240, '1536x1024': 6208 },
};
/** gpt-image-2's formula (OpenAI's pricing calculator, reproduced on community.openai.com, 2026-06). */
const GPT_IMAGE_2_QUALITY_FACTORS: Record<string, number> = { low: 16, medium: 48, high: 96 };
/** GPT Image 2.5/2.6: 196 / 439 / 1,756 / 3,122 / 7,024 tokens at 1024x1024 (published per-tier counts). */
const GPT_IMAGE_2_5_QUALITY_FACTORS: Record<string, number> = { low: 16, medium: 24, high: 48, xhigh: 64, max: 96 };

function outputTokens(family: FakeFamily, quality: string, width: number, height: number): number {
  if (family === 'gpt-image') return GPT_IMAGE_OUTPUT_TOKENS[quality]?.[`${width}x${height}`] ?? 0;
  const factor = (family === 'gpt-image-2' ? GPT_IMAGE_2_QUALITY_FACTORS : GPT_IMAGE_2_5_QUALITY_FACTORS)[quality] ?? 0;
  const long = Math.max(width, height);
  const short = Math.min(width, height);
  const shortFactor = Math.floor((2 * factor * short + long) / (2 * long));
  return Math.ceil((factor * shortFactor * (2_000_000 + width * height)) / 4_000_000);
}
