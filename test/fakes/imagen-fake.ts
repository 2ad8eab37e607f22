import type { ServerResponse } from 'node:http';
import { fakeImage, sendJson, type FakeContext, type RecordedCall } from './fake-upstream.js';
import {
  checkGoogleAuth,
  GoogleBadRequest,
  nextGoogleTurn,
  parsedOrRefused,
  parseGooglePath,
  playSharedGoogleScenario,
  sendGoogleAnswer,
  sendGoogleError,
  startGoogleFake,
  type GoogleFake,
  GOOGLE_FAKE_TEXT_MODELS,
  sendGoogleModelList,
  type GoogleListedModel,
} from './google-fake.js';

/**
 * A wire-faithful Imagen `:predict` server (imagen.md §10): Developer API and Vertex paths with
 * their auth, `sampleCount` 1–4, the five ratios, `sampleImageSize` only for Imagen 4
 * standard/ultra, Vertex-only fields refused on the Developer API, and the RAI filter that drops
 * images silently (`{}`) or, with `includeRaiReason`, as `{raiFilteredReason}` entries.
 */

export const IMAGEN_FAKE_KEY = 'AIza-fake-imagen-key-0123456789abcdef';

/** Imagen-specific answers beyond the shared scenarios (they win over scenarios). */
export type ImagenReply = 'partially_filtered' | 'all_filtered_silently' | 'nested_bytes';

export type ImagenFake = GoogleFake<ImagenReply>;

export interface ImagenFakeModel {
  tiers: string[];
}

export const IMAGEN_FAKE_MODELS: Record<string, ImagenFakeModel> = {
  'imagen-3.0-generate-002': { tiers: [] },
  'imagen-4.0-generate-001': { tiers: ['1K', '2K'] },
  'imagen-4.0-ultra-generate-001': { tiers: ['1K', '2K'] },
  'imagen-4.0-fast-generate-001': { tiers: [] },
};

const SIZES_1K: Record<string, [number, number]> = {
  '1:1': [1024, 1024],
  '3:4': [896, 1280],
  '4:3': [1280, 896],
  '9:16': [768, 1408],
  '16:9': [1408, 768],
};
const PERSON_GENERATION = ['dont_allow', 'allow_adult', 'allow_all'];
const VERTEX_ONLY = ['negativePrompt', 'seed', 'addWatermark', 'enhancePrompt', 'storageUri', 'editMode'];
const FILTERED_REASON =
  "Unable to show generated images. All images were filtered out because they violated Vertex AI's usage guidelines. You will not be charged for blocked images. Try rephrasing the prompt. If you think this was an error, send feedback. Support codes: 56562880";

export interface ImagenFakeOptions {
  apiKey?: string;
  /** What `GET /v1beta/models` lists (default: every model the fake serves, and some text models). */
  listedModels?: GoogleListedModel[];
  maxPageSize?: number;
}

export async function startImagenFake(options: ImagenFakeOptions = {}): Promise<ImagenFake> {
  const apiKey = options.apiKey ?? IMAGEN_FAKE_KEY;
  const listed = options.listedModels ?? [
    ...Object.keys(IMAGEN_FAKE_MODELS).map((id) => ({ id, methods: ['predict'] })),
    ...GOOGLE_FAKE_TEXT_MODELS,
  ];
  const list = { models: listed, maxPageSize: options.maxPageSize };
  return startGoogleFake<ImagenReply>((response, call, context, replies) => handle(response, call, context, apiKey, replies, list));
}

async function handle(
  response: ServerResponse,
  call: RecordedCall,
  context: FakeContext,
  apiKey: string,
  replies: ImagenReply[],
  list: { models: GoogleListedModel[]; maxPageSize: number | undefined },
): Promise<void> {
  if (call.method === 'GET' && call.path === '/v1beta/models') {
    if (checkGoogleAuth(call, response, false, apiKey)) sendGoogleModelList(call, response, list.models, list.maxPageSize);
    return;
  }
  const path = parseGooglePath(call.path);
  if (call.method !== 'POST' || !path || path.method !== 'predict') {
    if (path?.method === 'countTokens' && checkGoogleAuth(call, response, path.vertex, apiKey))
      return sendJson(response, 200, { totalTokens: 1 });
    if (!response.headersSent)
      response.writeHead(404, { 'content-type': 'text/html; charset=UTF-8' }).end('<!DOCTYPE html><title>Error 404 (Not Found)!!1</title>');
    return;
  }
  const turn = nextGoogleTurn(call, response, context, replies, path.vertex, apiKey);
  if (!turn) return;
  const { reply, scenario } = turn;
  const model = IMAGEN_FAKE_MODELS[path.model];
  if (!model) {
    sendGoogleError(
      response,
      404,
      'NOT_FOUND',
      `models/${path.model} is not found for API version v1beta, or is not supported for predict. Call ListModels to see the list of available models and their supported methods.`,
    );
    return;
  }
  const parsed = await parsedOrRefused(response, () => parsePredict(call.body, model, path.vertex));
  if (!parsed) return;
  if (scenario === 'server_error') return sendGoogleError(response, 500, 'INTERNAL', 'Internal error encountered.');
  if (scenario === 'content_policy')
    return sendJson(
      response,
      200,
      parsed.includeRaiReason
        ? { predictions: Array.from({ length: parsed.sampleCount }, () => ({ raiFilteredReason: FILTERED_REASON })) }
        : {},
    );
  if (await playSharedGoogleScenario(response, scenario, context)) return;
  if (reply === 'all_filtered_silently') return sendJson(response, 200, {});
  const delivered = reply === 'partially_filtered' ? parsed.sampleCount - 1 : parsed.sampleCount;
  const [width, height] = SIZES_1K[parsed.aspectRatio]!.map((edge) => edge * (parsed.imageSize === '2K' ? 2 : 1)) as [number, number];
  const format = parsed.mimeType === 'image/jpeg' ? 'jpeg' : 'png';
  const predictions: unknown[] = [];
  for (let index = 0; index < delivered; index += 1) {
    const data = (await fakeImage(width, height, format, index)).toString('base64');
    predictions.push(
      reply === 'nested_bytes'
        ? { image: { bytesBase64Encoded: data, mimeType: parsed.mimeType } }
        : { mimeType: parsed.mimeType, bytesBase64Encoded: data },
    );
  }
  if (delivered < parsed.sampleCount && parsed.includeRaiReason)
    predictions.push({ raiFilteredReason: FILTERED_REASON.replace('All images were', '1 image was') });
  sendGoogleAnswer(response, scenario, { predictions });
}

interface ParsedPredict {
  sampleCount: number;
  aspectRatio: string;
  imageSize: string | undefined;
  mimeType: string;
  includeRaiReason: boolean;
}

function parsePredict(raw: Buffer, model: ImagenFakeModel, vertex: boolean): ParsedPredict {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new GoogleBadRequest('Invalid JSON payload received. Unexpected token.');
  }
  const instances = body['instances'];
  const prompt = Array.isArray(instances) ? (instances[0] as Record<string, unknown> | undefined)?.['prompt'] : undefined;
  if (typeof prompt !== 'string' || prompt.length === 0) throw new GoogleBadRequest('Prompt is required.');
  const parameters = (body['parameters'] ?? {}) as Record<string, unknown>;
  const sampleCount = parameters['sampleCount'] ?? 4;
  if (typeof sampleCount !== 'number' || !Number.isInteger(sampleCount) || sampleCount < 1 || sampleCount > 4)
    throw new GoogleBadRequest('Number of images must be in the range [1, 4].');
  const aspectRatio = parameters['aspectRatio'] ?? '1:1';
  if (typeof aspectRatio !== 'string' || !SIZES_1K[aspectRatio])
    throw new GoogleBadRequest(`Unsupported aspect ratio: ${String(aspectRatio)}`);
  const imageSize = parameters['sampleImageSize'];
  if (imageSize !== undefined && (typeof imageSize !== 'string' || !model.tiers.includes(imageSize)))
    throw new GoogleBadRequest(`sampleImageSize ${String(imageSize)} is not supported for this model.`);
  const personGeneration = parameters['personGeneration'];
  if (personGeneration !== undefined && !PERSON_GENERATION.includes(String(personGeneration)))
    throw new GoogleBadRequest(`Invalid personGeneration: ${String(personGeneration)}`);
  const vertexOnly = VERTEX_ONLY.find((name) => parameters[name] !== undefined);
  if (!vertex && vertexOnly) throw new GoogleBadRequest(`${vertexOnly} parameter is not supported in Gemini API.`);
  const outputOptions = (parameters['outputOptions'] ?? {}) as Record<string, unknown>;
  const mimeType = outputOptions['mimeType'] ?? 'image/png';
  if (mimeType !== 'image/png' && mimeType !== 'image/jpeg')
    throw new GoogleBadRequest(`Unsupported output mime type: ${String(mimeType)}`);
  return {
    sampleCount,
    aspectRatio,
    imageSize: imageSize as string | undefined,
    mimeType,
    includeRaiReason: parameters['includeRaiReason'] === true,
  };
}
