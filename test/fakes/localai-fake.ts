import type { RecordedCall } from './fake-upstream.js';
import { fakeImage, sendJson, startFakeUpstream, type FakeUpstream } from './fake-upstream.js';
import {
  answerScenario,
  base64Images,
  parseCount,
  readFakeRequest,
  supportedScenarios,
  uploadedSize,
  type FakeReply,
  type ScenarioReplies,
} from './openai-compatible-fake.js';

/** A model name that plays LocalAI's distributed-mode "still loading" answer (503 + Retry-After). */
export const LOCALAI_LOADING_MODEL = 'still-loading';
/** LocalAI's inpainting endpoint renders at a fixed size. */
const INPAINTING_SIZE = 512;
/** A size without an `x` silently becomes this. */
const FALLBACK_SIZE = 512;

/** Echo's HTTP errors as LocalAI wraps them: numeric `code`, `code=…, message=…` text, empty `type`. */
const localAIError = (status: number, message: string) => ({ error: { code: status, message, type: '' } });
const REPLIES: ScenarioReplies = {
  bad_request: { status: 400, body: localAIError(400, 'code=400, message=Bad Request') },
  server_error: { status: 500, body: localAIError(500, 'rpc error: code = Unavailable desc = error reading from server: EOF') },
  unauthorized: {
    status: 401,
    headers: { 'www-authenticate': 'Bearer' },
    body: { error: { message: 'An authentication key is required', code: 401, type: 'invalid_request_error' } },
  },
};

/**
 * LocalAI (`http://host:8080`, routes with and without `/v1`): JSON `POST /images/generations`
 * (img2img through `file` / `files` as raw base64), multipart `POST /images/inpainting` (white =
 * repaint; one 512x512 image, answered as a URL on the LocalAI host), `GET /models`. Without
 * `apiKey` it is open, as by default; with one it takes `Authorization: Bearer`, `x-api-key` or
 * `xi-api-key`. `size` without an `x` becomes 512x512; non-numeric sizes are a 500. Answers are
 * URLs unless `response_format` is `b64_json`.
 */
export async function startLocalAIFake(options: { apiKey?: string; models?: string[]; urlResults?: boolean } = {}): Promise<FakeUpstream> {
  const models = options.models ?? ['sd-1.5-ggml', LOCALAI_LOADING_MODEL];
  return startFakeUpstream({
    basePath: '/v1',
    // `result_gone` needs URL answers: only for an adapter configured to ask for them.
    supports: supportedScenarios(REPLIES, options.urlResults ? ['result_gone'] : []),
    handler: async (_request, response, call, context) => {
      if (!keyMatches(call, options.apiKey)) return sendJson(response, 401, REPLIES.unauthorized?.body, REPLIES.unauthorized?.headers);
      const path = call.path.replace(/^\/v1(?=\/)/, '');
      if (call.method === 'GET' && path === '/models')
        return sendJson(response, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model' })) });
      if (call.method !== 'POST' || (path !== '/images/generations' && path !== '/images/inpainting'))
        return sendJson(response, 404, localAIError(404, 'code=404, message=Not Found'));
      const request = await readFakeRequest(call);
      const inpainting = path === '/images/inpainting';
      if (!request || request.multipart !== inpainting) return sendJson(response, 400, REPLIES.bad_request?.body);
      const model = request.fields['model'];
      if (typeof model !== 'string' || model === '') return sendJson(response, 400, REPLIES.bad_request?.body);
      if (!models.includes(model))
        return sendJson(
          response,
          500,
          localAIError(500, `could not load model: rpc error: code = Unknown desc = stat /models/${model}: no such file or directory`),
        );
      if (model === LOCALAI_LOADING_MODEL) {
        return sendJson(
          response,
          503,
          {
            error: { code: 'model_loading', message: `model ${model} is loading`, type: 'model_loading' },
            loading: { model, progress: 0.4 },
          },
          { 'retry-after': '5' },
        );
      }
      if (inpainting) {
        const problem = await validateInpainting(request.fields, request.files);
        if (problem) return sendJson(response, problem.status, problem.body);
        const scenario = context.nextScenario();
        const bytes = await fakeImage(INPAINTING_SIZE, INPAINTING_SIZE, 'png');
        return answerScenario(scenario, response, REPLIES, context, async () => ({
          status: 200,
          body: envelope([{ url: context.hostFile(bytes, 'png', 'image/png') }]),
        }));
      }
      const problem = validateGeneration(request.fields);
      if (problem) return sendJson(response, problem.status, problem.body);
      const scenario = context.nextScenario();
      if (scenario === 'result_gone' && request.fields['response_format'] !== 'b64_json') {
        // The generated-content dir is ephemeral: the file can be gone before it is fetched.
        const reply = await generation(request.fields, (bytes) => context.hostFile(bytes, 'png', 'image/png'));
        for (const item of (reply.body as { data: Array<{ url: string }> }).data) context.dropFile(item.url);
        return sendJson(response, reply.status, reply.body);
      }
      await answerScenario(scenario, response, REPLIES, context, () =>
        generation(request.fields, (bytes) => context.hostFile(bytes, 'png', 'image/png')),
      );
    },
  });
}

function keyMatches(call: RecordedCall, apiKey: string | undefined): boolean {
  if (apiKey === undefined) return true;
  return call.headers.authorization === `Bearer ${apiKey}` || call.headers['x-api-key'] === apiKey || call.headers['xi-api-key'] === apiKey;
}

function validateGeneration(fields: Record<string, unknown>): FakeReply | undefined {
  const size = fields['size'];
  if (typeof size === 'string' && size.includes('x') && !/^\d+x\d+$/.test(size))
    return { status: 500, body: localAIError(500, "invalid value for 'size'") };
  for (const source of [fields['file'], ...(Array.isArray(fields['files']) ? fields['files'] : [])]) {
    if (source === undefined) continue;
    // `file` is raw base64 or an http(s) URL; a data URI fails to decode.
    if (typeof source !== 'string' || source.startsWith('data:') || !(/^https?:\/\//.test(source) || /^[A-Za-z0-9+/]+=*$/.test(source))) {
      return { status: 500, body: localAIError(500, 'illegal base64 data at input byte 4') };
    }
  }
  return undefined;
}

async function validateInpainting(fields: Record<string, unknown>, files: Map<string, File[]>): Promise<FakeReply | undefined> {
  if (typeof fields['prompt'] !== 'string' || fields['prompt'] === '') return REPLIES.bad_request;
  const image = files.get('image')?.[0];
  const mask = files.get('mask')?.[0];
  if (!image) return { status: 400, body: localAIError(400, 'code=400, message=missing image file') };
  if (!mask) return { status: 400, body: localAIError(400, 'code=400, message=missing mask file') };
  // White marks the area to repaint: a mask with transparency is OpenAI's convention, read wrongly here.
  const maskSize = await uploadedSize(mask);
  if (!maskSize || maskSize.hasAlpha) return { status: 500, body: localAIError(500, 'mask must be a grayscale image (white = inpaint)') };
  return undefined;
}

async function generation(fields: Record<string, unknown>, host: (bytes: Buffer) => string): Promise<FakeReply> {
  const n = Math.max(1, parseCount(fields['n']) ?? 1);
  const match = typeof fields['size'] === 'string' ? /^(\d+)x(\d+)$/.exec(fields['size']) : null;
  const [width, height] = match ? [Number(match[1]), Number(match[2])] : [FALLBACK_SIZE, FALLBACK_SIZE];
  if (fields['response_format'] === 'b64_json') {
    const images = await base64Images(n, width, height, 'png');
    return { status: 200, body: envelope(images.map((b64_json) => ({ b64_json }))) };
  }
  const files = await Promise.all(Array.from({ length: n }, (_, index) => fakeImage(width, height, 'png', index)));
  return { status: 200, body: envelope(files.map((bytes) => ({ url: host(bytes) }))) };
}

/** `schema.OpenAIResponse`: every item has `index: 0`; usage is all zeros. */
function envelope(items: Array<Record<string, string>>) {
  return {
    created: Math.floor(Date.now() / 1000),
    id: `${Date.now().toString(16)}-localai`,
    data: items.map((item) => ({ index: 0, ...item })),
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, input_tokens_details: { text_tokens: 0, image_tokens: 0 } },
  };
}
