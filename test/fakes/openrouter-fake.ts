import type { ServerResponse } from 'node:http';
import sharp from 'sharp';
import { sniffImageFormat } from '../../src/images/sniff-image-format.js';
import {
  fakeImage,
  jsonOf,
  sendJson,
  sendMalformed,
  sendTruncatedJson,
  sleep,
  startFakeUpstream,
  type FakeContext,
  type FakeScenario,
  type FakeUpstream,
  type RecordedCall,
} from './fake-upstream.js';

/**
 * A wire-faithful fake of OpenRouter's API (openrouter.ai/api/v1): `POST /chat/completions` with
 * image output and `GET /models`. It checks the Bearer key, the JSON body (a known `model`, a
 * non-empty `messages` array whose content is text or `text`/`image_url` parts, `stream` off), that
 * image output goes to a model whose `output_modalities` include `image`, and Gemini's
 * `image_config.aspect_ratio` values. It answers with the image as a PNG data URL in
 * `choices[0].message.images`, `usage` with tokens (and `cost` when `usage.include` was asked),
 * and OpenRouter's `{"error": {code, message, metadata}}` errors. A request without `"image"` in
 * `modalities` is answered in text only, as the real models do.
 */

/** Outcomes beyond the shared scenarios, scripted per completion request (before the shared queue). */
export type OpenRouterHook =
  /** 200 whose message has text and no `images` (a refusal worded by the model). */
  | 'text_only'
  /** 402: the account is out of credits. */
  | 'insufficient_credits'
  /** 200 whose image is an https URL on the fake's file host instead of a data URL. */
  | 'https_image';

export interface OpenRouterFake extends FakeUpstream {
  enqueueOpenRouter(...hooks: OpenRouterHook[]): void;
}

export const OPENROUTER_FAKE_API_KEY = 'sk-or-v1-fake-0123456789abcdef';

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

interface FakeModel {
  id: string;
  outputModalities: string[];
  /** Ratios `image_config.aspect_ratio` takes; undefined: the field is not read. */
  aspectRatios?: string[];
}

const GEMINI_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'];
/** Output size per ratio, as Gemini 2.5 Flash Image draws them (scaled down 16x for the fake). */
const GEMINI_SIZES: Record<string, [number, number]> = {
  '1:1': [1024, 1024],
  '16:9': [1344, 768],
  '9:16': [768, 1344],
  '3:2': [1248, 832],
  '2:3': [832, 1248],
};

const MODELS: FakeModel[] = [
  { id: 'google/gemini-2.5-flash-image', outputModalities: ['image', 'text'], aspectRatios: GEMINI_RATIOS },
  { id: 'google/gemini-2.5-flash-image-preview', outputModalities: ['image', 'text'], aspectRatios: GEMINI_RATIOS },
  { id: 'black-forest-labs/flux.2-pro', outputModalities: ['image'] },
  { id: 'black-forest-labs/flux.2-flex', outputModalities: ['image'] },
  { id: 'openai/gpt-4o-mini', outputModalities: ['text'] },
];

const RATE_LIMIT_RETRY_AFTER_SECONDS = 2;

interface ParsedRequest {
  model: FakeModel;
  wantsImage: boolean;
  aspectRatio: string | undefined;
  inputImages: number;
  includeCost: boolean;
}

export async function startOpenRouterFake(options: { apiKey?: string } = {}): Promise<OpenRouterFake> {
  const apiKey = options.apiKey ?? OPENROUTER_FAKE_API_KEY;
  const hooks: OpenRouterHook[] = [];
  const fake = await startFakeUpstream({
    basePath: '/api/v1',
    supports: SCENARIOS,
    handler: async (_request, response, call, context) => {
      if (call.method === 'GET' && call.path === '/api/v1/models') return sendJson(response, 200, modelList());
      if (call.method !== 'POST' || call.path !== '/api/v1/chat/completions') {
        return sendJson(response, 404, { error: { code: 404, message: 'Not Found' } });
      }
      const scenario = context.nextScenario();
      const hook = hooks.shift();
      if (scenario === 'unauthorized' || call.headers['authorization'] !== `Bearer ${apiKey}`) {
        return sendJson(response, 401, { error: { code: 401, message: 'No auth credentials found' } });
      }
      if (hook === 'insufficient_credits') {
        return sendJson(response, 402, {
          error: { code: 402, message: 'Insufficient credits. Add more using https://openrouter.ai/credits' },
        });
      }
      const parsed = await parseRequest(call);
      if (typeof parsed === 'string') return sendJson(response, 400, { error: { code: 400, message: parsed } });
      return answer(response, scenario, hook, parsed, context);
    },
  });
  return Object.defineProperties(fake, {
    enqueueOpenRouter: { value: (...next: OpenRouterHook[]) => void hooks.push(...next) },
  }) as OpenRouterFake;
}

function modelList(): unknown {
  return {
    data: MODELS.map((model) => ({
      id: model.id,
      name: model.id,
      architecture: { input_modalities: ['text', 'image'], output_modalities: model.outputModalities },
    })),
  };
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The request after OpenRouter's checks, or the message of its 400. */
async function parseRequest(call: RecordedCall): Promise<ParsedRequest | string> {
  if (!String(call.headers['content-type'] ?? '').startsWith('application/json')) return 'Request body must be JSON.';
  let body: unknown;
  try {
    body = jsonOf(call);
  } catch {
    return 'Request body is not valid JSON.';
  }
  if (!isObject(body)) return 'Request body must be a JSON object.';
  const model = MODELS.find((candidate) => candidate.id === body['model']);
  if (!model) return `${JSON.stringify(body['model'])} is not a valid model ID`;
  if (body['stream'] === true) return 'The fake does not stream.';
  const messages = body['messages'];
  if (!Array.isArray(messages) || messages.length === 0) return "'messages' must be a non-empty array.";
  let inputImages = 0;
  for (const message of messages) {
    if (!isObject(message) || typeof message['role'] !== 'string') return "Every message needs a 'role'.";
    const content = message['content'];
    if (typeof content === 'string') continue;
    if (!Array.isArray(content)) return "Message 'content' must be a string or an array of parts.";
    for (const part of content) {
      if (isObject(part) && part['type'] === 'text' && typeof part['text'] === 'string') continue;
      if (!isObject(part) || part['type'] !== 'image_url' || !isObject(part['image_url'])) return 'Unknown content part.';
      const problem = await checkImageUrl(part['image_url']['url']);
      if (problem) return problem;
      inputImages += 1;
    }
  }
  const modalities = body['modalities'];
  if (modalities !== undefined && (!Array.isArray(modalities) || !modalities.every((value) => value === 'image' || value === 'text'))) {
    return "'modalities' must be an array of 'image' and 'text'.";
  }
  const wantsImage = Array.isArray(modalities) && modalities.includes('image');
  if (wantsImage && !model.outputModalities.includes('image')) {
    return `No endpoints found for ${model.id} that support the requested output modalities: ${modalities.join(', ')}`;
  }
  let aspectRatio: string | undefined;
  const imageConfig = body['image_config'];
  if (imageConfig !== undefined) {
    if (!isObject(imageConfig)) return "'image_config' must be an object.";
    const ratio = imageConfig['aspect_ratio'];
    // Only Gemini models read `image_config`; others ignore it.
    if (model.aspectRatios && ratio !== undefined) {
      if (typeof ratio !== 'string' || !model.aspectRatios.includes(ratio)) return `Invalid aspect_ratio ${JSON.stringify(ratio)}.`;
      aspectRatio = ratio;
    }
  }
  const usage = body['usage'];
  return { model, wantsImage, aspectRatio, inputImages, includeCost: isObject(usage) && usage['include'] === true };
}

/** A data URL must hold a real JPEG, PNG, WebP or GIF; an https URL is fetched by OpenRouter (not by the fake). */
async function checkImageUrl(url: unknown): Promise<string | undefined> {
  if (typeof url !== 'string') return "'image_url.url' must be a string.";
  if (url.startsWith('https://')) return undefined;
  const match = /^data:(image\/[a-z0-9.+-]+);base64,(.*)$/is.exec(url);
  if (!match) return "'image_url.url' must be an https URL or a base64 data URL.";
  const bytes = Buffer.from(match[2]!, 'base64');
  const format = sniffImageFormat(bytes);
  if (format === undefined || !['png', 'jpeg', 'webp', 'gif'].includes(format))
    return 'The image data URL does not hold a supported image.';
  if (`image/${format === 'jpeg' ? 'jpeg' : format}` !== match[1]!.toLowerCase())
    return 'The image data URL type does not match its bytes.';
  // An image that will not decode is refused like one of the wrong type.
  return sharp(bytes)
    .metadata()
    .then(
      () => undefined,
      () => 'The image data URL does not hold a supported image.',
    );
}

async function answer(
  response: ServerResponse,
  scenario: FakeScenario,
  hook: OpenRouterHook | undefined,
  request: ParsedRequest,
  context: FakeContext,
): Promise<void> {
  switch (scenario) {
    case 'rate_limited':
      return sendJson(
        response,
        429,
        { error: { code: 429, message: 'Rate limit exceeded: free-models-per-min.' } },
        { 'retry-after': String(RATE_LIMIT_RETRY_AFTER_SECONDS) },
      );
    case 'bad_request':
      return sendJson(response, 400, { error: { code: 400, message: 'Provider returned error', metadata: { provider_name: 'Google' } } });
    case 'content_policy':
      return sendJson(response, 403, {
        error: {
          code: 403,
          message: 'Input was flagged by moderation',
          metadata: { reasons: ['violence'], flagged_input: 'a lighthouse...', provider_name: 'Google', model_slug: request.model.id },
        },
      });
    case 'server_error':
      return sendJson(response, 502, { error: { code: 502, message: 'Provider returned error', metadata: { provider_name: 'Google' } } });
    case 'slow':
      await sleep(context.slowMs);
      break;
    default:
      break;
  }
  const textOnly = hook === 'text_only' || !request.wantsImage;
  const [width, height] = GEMINI_SIZES[request.aspectRatio ?? '1:1'] ?? [1024, 1024];
  const bytes = await fakeImage(Math.round(width / 16), Math.round(height / 16), 'png', request.inputImages);
  const url = hook === 'https_image' ? context.hostFile(bytes, 'png', 'image/png') : `data:image/png;base64,${bytes.toString('base64')}`;
  const message = textOnly
    ? { role: 'assistant', content: "I can't create that image, but I can describe it for you." }
    : { role: 'assistant', content: 'Here is your image.', images: [{ type: 'image_url', image_url: { url } }] };
  const body = {
    id: `gen-${Date.now().toString(36)}`,
    provider: 'Google',
    model: request.model.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    choices: [{ index: 0, finish_reason: 'stop', native_finish_reason: 'STOP', message }],
    usage: {
      prompt_tokens: 12 + 258 * request.inputImages,
      completion_tokens: textOnly ? 14 : 1304,
      total_tokens: (textOnly ? 26 : 1316) + 258 * request.inputImages,
      ...(request.includeCost ? { cost: textOnly ? 0.0001 : 0.0387 } : {}),
    },
  };
  if (scenario === 'malformed') return sendMalformed(response);
  if (scenario === 'truncated') return sendTruncatedJson(response, body);
  sendJson(response, 200, body);
}
