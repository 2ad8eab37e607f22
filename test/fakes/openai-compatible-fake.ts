import type { ServerResponse } from 'node:http';
import sharp from 'sharp';
import {
  fakeImage,
  formDataOf,
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

/*
 * Fakes of OpenAI-shaped image servers. This file holds the kit every flavor's fake uses (reading
 * JSON or multipart requests, replaying scripted scenarios, making real images) and the fakes of the
 * three servers that differ least from OpenAI: a generic OpenAI-like server, vLLM-Omni and SGLang.
 * xAI, Together, DeepInfra, Azure and LocalAI have their own files.
 */

/** A reply the fake sends as JSON. */
export interface FakeReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Scenario replies in one server's real wire format; the scenarios a fake lists are the ones it has. */
export type ScenarioReplies = Partial<
  Record<'rate_limited' | 'bad_request' | 'content_policy' | 'server_error' | 'unauthorized', FakeReply>
>;

/** The scenarios a fake supports: the common ones plus those it has a reply for. */
export function supportedScenarios(replies: ScenarioReplies, more: FakeScenario[] = []): FakeScenario[] {
  return ['success', 'slow', 'malformed', 'truncated', ...(Object.keys(replies) as FakeScenario[]), ...more];
}

/** A request body: JSON fields, or multipart text fields and files. */
export interface FakeRequest {
  fields: Record<string, unknown>;
  files: Map<string, File[]>;
  multipart: boolean;
}

/** `undefined` when the body is neither JSON nor a form (a real server answers 400 or 415). */
export async function readFakeRequest(call: RecordedCall): Promise<FakeRequest | undefined> {
  const type = String(call.headers['content-type'] ?? '');
  if (type.startsWith('multipart/form-data')) {
    const form = await formDataOf(call);
    const fields: Record<string, unknown> = {};
    const files = new Map<string, File[]>();
    for (const [name, value] of form.entries()) {
      if (typeof value === 'string') fields[name] = value;
      else files.set(name, [...(files.get(name) ?? []), value]);
    }
    return { fields, files, multipart: true };
  }
  try {
    const json = JSON.parse(call.body.toString('utf8')) as unknown;
    if (!json || typeof json !== 'object' || Array.isArray(json)) return undefined;
    return { fields: json as Record<string, unknown>, files: new Map(), multipart: false };
  } catch {
    return undefined;
  }
}

/** `1024x768` → {width, height}; `undefined` for anything else. */
export function parseSizeText(value: unknown): { width: number; height: number } | undefined {
  const match = typeof value === 'string' ? /^(\d+)x(\d+)$/.exec(value) : null;
  return match ? { width: Number(match[1]), height: Number(match[2]) } : undefined;
}

/** `n` as a form string or a JSON number; `undefined` when absent; NaN when not an integer. */
export function parseCount(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const count = Number(value);
  return Number.isInteger(count) ? count : Number.NaN;
}

/** n real images as base64 text, each a different picture. */
export async function base64Images(count: number, width: number, height: number, format: 'png' | 'jpeg' | 'webp'): Promise<string[]> {
  const images = await Promise.all(Array.from({ length: count }, (_, index) => fakeImage(width, height, format, index)));
  return images.map((bytes) => bytes.toString('base64'));
}

/** Image files of a multipart edit, in order (`image` and `image[]` both count, as on OpenAI). */
export function editImages(request: FakeRequest): File[] {
  return [...(request.files.get('image') ?? []), ...(request.files.get('image[]') ?? [])];
}

/** Width and height of an uploaded file, or `undefined` when it is not an image. */
export async function uploadedSize(file: File): Promise<{ width: number; height: number; hasAlpha: boolean } | undefined> {
  try {
    const metadata = await sharp(Buffer.from(await file.arrayBuffer())).metadata();
    return metadata.width && metadata.height
      ? { width: metadata.width, height: metadata.height, hasAlpha: metadata.hasAlpha ?? false }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Answers one generation request according to the next scripted scenario. `success` builds the
 * real answer; error scenarios send the server's own error reply.
 */
export async function answerScenario(
  scenario: FakeScenario,
  response: ServerResponse,
  replies: ScenarioReplies,
  context: FakeContext,
  success: () => Promise<FakeReply>,
): Promise<void> {
  if (scenario === 'slow') {
    await sleep(context.slowMs);
    if (response.destroyed) return;
  }
  if (scenario === 'success' || scenario === 'slow') {
    const reply = await success();
    sendJson(response, reply.status, reply.body, reply.headers);
    return;
  }
  if (scenario === 'malformed') return sendMalformed(response);
  if (scenario === 'truncated') return sendTruncatedJson(response, (await success()).body);
  const reply = scenario in replies ? replies[scenario as keyof ScenarioReplies] : undefined;
  if (!reply) throw new Error(`this fake cannot play '${scenario}'`);
  sendJson(response, reply.status, reply.body, reply.headers);
}

/** `Authorization: Bearer <key>` carries `apiKey` (servers without a configured key accept anything). */
export function bearerMatches(call: RecordedCall, apiKey: string | undefined): boolean {
  return apiKey === undefined || call.headers.authorization === `Bearer ${apiKey}`;
}

export type OpenAILikeFlavor = 'generic' | 'vllm' | 'sglang';

/** Real error bodies: OpenAI's for a generic server, vLLM's and SGLang's (FastAPI) for theirs. */
const REPLIES: Record<OpenAILikeFlavor, ScenarioReplies> = {
  generic: {
    rate_limited: {
      status: 429,
      headers: { 'retry-after': '2' },
      body: openAIError('Rate limit exceeded for images per minute. Limit: 5/1min.', 'requests', 'rate_limit_exceeded'),
    },
    bad_request: {
      status: 400,
      body: openAIError(
        "Invalid value: '512x512'. Supported values are: '1024x1024', '1024x1536', '1536x1024', and 'auto'.",
        'invalid_request_error',
        'invalid_value',
        'size',
      ),
    },
    content_policy: {
      status: 400,
      body: openAIError(
        'Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.',
        'invalid_request_error',
        'content_policy_violation',
      ),
    },
    server_error: {
      status: 500,
      body: openAIError('The server had an error while processing your request. Sorry about that!', 'server_error', null),
    },
    unauthorized: { status: 401, body: openAIError('Incorrect API key provided: co***ef.', 'invalid_request_error', 'invalid_api_key') },
  },
  vllm: {
    bad_request: {
      status: 400,
      body: {
        error: {
          message: "Only 'b64_json' or 'file' response format is supported, got: ResponseFormat.URL",
          type: 'BadRequestError',
          param: null,
          code: 400,
        },
      },
    },
    server_error: { status: 500, body: { error: { message: 'CUDA out of memory.', type: 'InternalServerError', param: null, code: 500 } } },
    unauthorized: { status: 401, body: { error: 'Unauthorized' } },
  },
  sglang: {
    bad_request: {
      status: 422,
      body: { detail: [{ loc: ['body', 'n'], msg: 'Input should be less than or equal to 10', type: 'less_than_equal' }] },
    },
    server_error: { status: 500, body: { detail: 'Image generation failed: CUDA out of memory.' } },
    unauthorized: { status: 401, body: { error: 'Unauthorized' } },
  },
};

function openAIError(message: string, type: string, code: string | null, param: string | null = null) {
  return { error: { message, type, param, code } };
}

/**
 * A generic OpenAI-like server, vLLM-Omni or SGLang Diffusion at `/v1`: `POST /images/generations`
 * (JSON), `POST /images/edits` (multipart), `GET /models`. With `apiKey` set, requests without the
 * right Bearer key get a 401 in the server's shape. Each refuses what it really refuses: vLLM
 * `response_format: url`, SGLang anything but `b64_json` unless cloud storage exists.
 */
export async function startOpenAICompatibleFake(options: {
  flavor: OpenAILikeFlavor;
  apiKey?: string;
  model?: string;
}): Promise<FakeUpstream> {
  const { flavor, apiKey } = options;
  const replies = REPLIES[flavor];
  return startFakeUpstream({
    basePath: '/v1',
    supports: supportedScenarios(replies),
    handler: async (_request, response, call, context) => {
      if (!bearerMatches(call, apiKey)) return sendJson(response, 401, replies.unauthorized?.body);
      if (call.method === 'GET' && call.path === '/v1/models')
        return sendJson(response, 200, { object: 'list', data: [{ id: options.model ?? 'served-model', object: 'model' }] });
      const edits = call.path === '/v1/images/edits';
      if (call.method !== 'POST' || (!edits && call.path !== '/v1/images/generations'))
        return sendJson(response, 404, { detail: 'Not Found' });
      const request = await readFakeRequest(call);
      if (!request || request.multipart !== edits)
        return sendJson(response, 400, badRequest(flavor, 'edits take multipart/form-data, generations take JSON'));
      const problem = await validate(flavor, request, edits);
      if (problem) return sendJson(response, problem.status, problem.body);
      const scenario = context.nextScenario();
      await answerScenario(scenario, response, replies, context, () => success(flavor, request));
    },
  });
}

async function validate(flavor: OpenAILikeFlavor, request: FakeRequest, edits: boolean): Promise<FakeReply | undefined> {
  const { fields } = request;
  if (typeof fields['prompt'] !== 'string' || fields['prompt'] === '')
    return { status: 400, body: badRequest(flavor, 'prompt is required') };
  const n = parseCount(fields['n']) ?? 1;
  if (!(n >= 1 && n <= 10)) return { status: 400, body: badRequest(flavor, `n must be between 1 and 10, got ${String(fields['n'])}`) };
  if (fields['size'] !== undefined && !parseSizeText(fields['size']))
    return { status: 400, body: badRequest(flavor, `invalid size ${String(fields['size'])}`) };
  const format = fields['response_format'];
  if (flavor === 'vllm' && format !== undefined && format !== 'b64_json' && format !== 'file') return REPLIES.vllm.bad_request;
  if (flavor === 'sglang' && format !== 'b64_json') {
    return {
      status: 400,
      body: {
        detail:
          format === undefined || format === 'url'
            ? "response_format='url' requires cloud storage to be configured."
            : `response_format=${String(format)} is not supported`,
      },
    };
  }
  if (edits) {
    const images = editImages(request);
    if (images.length === 0) return { status: 400, body: badRequest(flavor, 'image is required') };
    const mask = request.files.get('mask')?.[0];
    if (mask) {
      const [first, maskSize] = await Promise.all([uploadedSize(images[0]!), uploadedSize(mask)]);
      if (!maskSize?.hasAlpha || maskSize.width !== first?.width || maskSize.height !== first?.height)
        return { status: 400, body: badRequest(flavor, 'mask must be a PNG with alpha, the size of the image') };
    }
  }
  return undefined;
}

function badRequest(flavor: OpenAILikeFlavor, message: string): unknown {
  if (flavor === 'sglang') return { detail: message };
  if (flavor === 'vllm') return { error: { message, type: 'BadRequestError', param: null, code: 400 } };
  return openAIError(message, 'invalid_request_error', 'invalid_value');
}

async function success(flavor: OpenAILikeFlavor, request: FakeRequest): Promise<FakeReply> {
  const { fields } = request;
  const n = parseCount(fields['n']) ?? 1;
  const size = parseSizeText(fields['size']) ?? { width: 1024, height: 1024 };
  const outputFormat = fields['output_format'] === 'jpeg' || fields['output_format'] === 'webp' ? fields['output_format'] : 'png';
  const images = await base64Images(n, size.width, size.height, outputFormat);
  const created = Math.floor(Date.now() / 1000);
  if (flavor === 'vllm') {
    return {
      status: 200,
      body: {
        created,
        data: images.map((b64_json) => ({ b64_json, url: null, revised_prompt: null })),
        output_format: outputFormat,
        size: `${size.width}x${size.height}`,
        cot_output: null,
        metrics: null,
      },
    };
  }
  if (flavor === 'sglang') {
    const id = `sg-${created}`;
    const data = images.map((b64_json, index) => ({
      b64_json,
      url: null,
      revised_prompt: fields['prompt'],
      file_path: `/outputs/${id}-${index}.${outputFormat}`,
    }));
    return { status: 200, body: { id, created, data, peak_memory_mb: 30512.4, inference_time_s: 7.91 } };
  }
  return { status: 200, body: { created, data: images.map((b64_json) => ({ b64_json })) } };
}
