import type { ServerResponse } from 'node:http';
import sharp from 'sharp';
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
 * A wire-faithful Gemini `generateContent` server (gemini.md §10): Developer API paths
 * (`/v1beta/models/{m}:generateContent`, key in `x-goog-api-key` or `?key=`, a bad key is a 400
 * `API_KEY_INVALID`) and Vertex paths (`/v1/projects/{p}/locations/{l}/publishers/google/models/{m}:...`,
 * Bearer token, 401 `UNAUTHENTICATED`). It validates what Google validates (enums, tiers per model,
 * base64 without a `data:` prefix, real input images), answers with one PNG at the documented size
 * for the ratio and tier, and reports usage with the documented image token counts.
 */

export const GEMINI_FAKE_KEY = 'AIza-fake-gemini-key-0123456789abcdef';

/** Gemini-specific answers beyond the shared scenarios, scripted with `enqueueReply` (they win over scenarios). */
export type GeminiReply = 'image_safety' | 'no_image' | 'text_only' | 'thought_image' | 'two_images';

export type GeminiFake = GoogleFake<GeminiReply>;

const STANDARD_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'];
const FLASH_31_RATIOS = [...STANDARD_RATIOS, '1:4', '4:1', '1:8', '8:1'];

export interface GeminiFakeModel {
  ratios: string[];
  /** Accepted `imageSize` values; empty: the field is refused. */
  tiers: string[];
  table: 'gemini-2.5' | 'gemini-3';
  /** Output image tokens per tier (`1K` for tierless models). */
  tokens: Record<string, number>;
  inputImageTokens: number;
  thinks: boolean;
}

const FLASH_25: GeminiFakeModel = {
  ratios: STANDARD_RATIOS,
  tiers: [],
  table: 'gemini-2.5',
  tokens: { '1K': 1290 },
  inputImageTokens: 258,
  thinks: false,
};
const PRO_3: GeminiFakeModel = {
  ratios: STANDARD_RATIOS,
  tiers: ['1K', '2K', '4K'],
  table: 'gemini-3',
  tokens: { '1K': 1120, '2K': 1120, '4K': 2000 },
  inputImageTokens: 560,
  thinks: true,
};
const FLASH_31: GeminiFakeModel = {
  ratios: FLASH_31_RATIOS,
  tiers: ['512', '1K', '2K', '4K'],
  table: 'gemini-3',
  tokens: { '512': 747, '1K': 1120, '2K': 1680, '4K': 2520 },
  inputImageTokens: 560,
  thinks: true,
};
const FLASH_LITE_31: GeminiFakeModel = {
  ratios: STANDARD_RATIOS,
  tiers: [],
  table: 'gemini-3',
  tokens: { '1K': 1120 },
  inputImageTokens: 560,
  thinks: false,
};

export const GEMINI_FAKE_MODELS: Record<string, GeminiFakeModel> = {
  'gemini-2.5-flash-image': FLASH_25,
  'gemini-3-pro-image': PRO_3,
  'gemini-3-pro-image-preview': PRO_3,
  'gemini-3.1-flash-image': FLASH_31,
  'gemini-3.1-flash-image-preview': FLASH_31,
  'gemini-3.1-flash-lite-image': FLASH_LITE_31,
};

const SIZES_25: Record<string, [number, number]> = {
  '1:1': [1024, 1024],
  '2:3': [832, 1248],
  '3:2': [1248, 832],
  '3:4': [864, 1184],
  '4:3': [1184, 864],
  '4:5': [896, 1152],
  '5:4': [1152, 896],
  '9:16': [768, 1344],
  '16:9': [1344, 768],
  '21:9': [1536, 672],
};
const SIZES_3_1K: Record<string, [number, number]> = {
  '1:1': [1024, 1024],
  '2:3': [848, 1264],
  '3:2': [1264, 848],
  '3:4': [896, 1200],
  '4:3': [1200, 896],
  '4:5': [928, 1152],
  '5:4': [1152, 928],
  '9:16': [768, 1376],
  '16:9': [1376, 768],
  '21:9': [1584, 672],
};
const TIER_SCALE: Record<string, number> = { '512': 0.5, '1K': 1, '2K': 2, '4K': 4 };

/** The pixel size Google documents for a ratio and tier; undocumented ratios get the tier's area. */
export function geminiOutputSize(model: GeminiFakeModel, ratio: string, tier: string): [number, number] {
  const scale = TIER_SCALE[tier] ?? 1;
  const known = model.table === 'gemini-2.5' ? SIZES_25[ratio] : SIZES_3_1K[ratio];
  if (known) return [Math.round(known[0] * scale), Math.round(known[1] * scale)];
  const [a, b] = ratio.split(':').map(Number) as [number, number];
  const area = (1024 * scale) ** 2;
  return [Math.round(Math.sqrt((area * a) / b) / 16) * 16, Math.round(Math.sqrt((area * b) / a) / 16) * 16];
}

/** Reads `camelCase` or `snake_case` (the REST API accepts both in requests). */
export function field(object: unknown, camel: string, snake: string): unknown {
  if (typeof object !== 'object' || object === null) return undefined;
  const record = object as Record<string, unknown>;
  return record[camel] ?? record[snake];
}

export interface GeminiFakeOptions {
  apiKey?: string;
  /** What `GET /v1beta/models` lists (default: every model the fake serves, and some text models). */
  listedModels?: GoogleListedModel[];
  /** Models per page at most, below Google's 1000 (tests set it low to see pagination). */
  maxPageSize?: number;
}

export async function startGeminiFake(options: GeminiFakeOptions = {}): Promise<GeminiFake> {
  const apiKey = options.apiKey ?? GEMINI_FAKE_KEY;
  const listed = options.listedModels ?? [
    ...Object.keys(GEMINI_FAKE_MODELS).map((id) => ({ id, methods: ['generateContent', 'countTokens'] })),
    ...GOOGLE_FAKE_TEXT_MODELS,
  ];
  const list: ModelList = { models: listed, maxPageSize: options.maxPageSize };
  return startGoogleFake<GeminiReply>((response, call, context, replies) => handle(response, call, context, apiKey, replies, list));
}

interface ModelList {
  models: GoogleListedModel[];
  maxPageSize: number | undefined;
}

async function handle(
  response: ServerResponse,
  call: RecordedCall,
  context: FakeContext,
  apiKey: string,
  replies: GeminiReply[],
  list: ModelList,
): Promise<void> {
  if (call.method === 'GET' && call.path === '/v1beta/models') {
    if (checkGoogleAuth(call, response, false, apiKey)) sendGoogleModelList(call, response, list.models, list.maxPageSize);
    return;
  }
  const path = parseGooglePath(call.path);
  if (call.method !== 'POST' || !path || (path.method !== 'generateContent' && path.method !== 'countTokens')) {
    response.writeHead(404, { 'content-type': 'text/html; charset=UTF-8' }).end('<!DOCTYPE html><title>Error 404 (Not Found)!!1</title>');
    return;
  }
  if (path.method === 'countTokens') {
    if (checkGoogleAuth(call, response, path.vertex, apiKey)) sendJson(response, 200, { totalTokens: 1 });
    return;
  }
  const turn = nextGoogleTurn(call, response, context, replies, path.vertex, apiKey);
  if (!turn) return;
  const { reply, scenario } = turn;
  const model = GEMINI_FAKE_MODELS[path.model];
  if (!model) {
    const message = path.vertex
      ? `Publisher Model \`${call.path.split(':')[0]!.slice(4)}\` was not found or your project does not have access to it. Please ensure you are using a valid model version.`
      : `models/${path.model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`;
    sendGoogleError(response, 404, 'NOT_FOUND', message);
    return;
  }
  const parsed = await parsedOrRefused(response, () => parseGenerate(call.body, model));
  if (!parsed) return;
  if (scenario === 'server_error') return sendGoogleError(response, 503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.');
  if (scenario === 'content_policy') {
    return sendJson(response, 200, {
      promptFeedback: { blockReason: 'PROHIBITED_CONTENT' },
      usageMetadata: { promptTokenCount: parsed.textTokens, totalTokenCount: parsed.textTokens },
      modelVersion: path.model,
      responseId: 'fake-blocked',
    });
  }
  if (await playSharedGoogleScenario(response, scenario, context)) return;
  sendGoogleAnswer(response, scenario, await answer(path.model, model, parsed, reply));
}

interface ParsedGenerate {
  textTokens: number;
  inputImages: Array<{ width: number; height: number }>;
  modalities: string[];
  aspectRatio: string | undefined;
  imageSize: string | undefined;
}

const INPUT_MIME_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/heic', 'image/heif'];
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

async function parseGenerate(raw: Buffer, model: GeminiFakeModel): Promise<ParsedGenerate> {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new GoogleBadRequest('Invalid JSON payload received. Unexpected token.');
  }
  const contents = field(body, 'contents', 'contents');
  // Production accepts a single Content object as well as a list (gemini.md quirk 9).
  const turn = Array.isArray(contents) ? (contents[0] as unknown) : contents;
  const parts = field(turn, 'parts', 'parts');
  if (!Array.isArray(parts) || parts.length === 0)
    throw new GoogleBadRequest('* GenerateContentRequest.contents: contents is not specified');
  let textTokens = 0;
  const inputImages: ParsedGenerate['inputImages'] = [];
  for (const [index, part] of parts.entries()) {
    const text = field(part, 'text', 'text');
    const inline = field(part, 'inlineData', 'inline_data');
    if (typeof text === 'string') textTokens += Math.ceil(text.length / 4);
    else if (inline !== undefined) inputImages.push(await readInlineImage(inline, index));
    else
      throw new GoogleBadRequest(
        `* GenerateContentRequest.contents[0].parts[${index}].data: required oneof field 'data' must have one initialized field`,
      );
  }
  const config = field(body, 'generationConfig', 'generation_config');
  const modalities = field(config, 'responseModalities', 'response_modalities');
  if (
    !Array.isArray(modalities) ||
    modalities.some((value) => typeof value !== 'string' || !['TEXT', 'IMAGE'].includes(value.toUpperCase()))
  ) {
    throw new GoogleBadRequest("Invalid value at 'generation_config.response_modalities': expected TEXT or IMAGE");
  }
  const candidateCount = field(config, 'candidateCount', 'candidate_count');
  if (typeof candidateCount === 'number' && candidateCount > 1)
    throw new GoogleBadRequest('Multiple candidates is not enabled for this model.');
  if (field(config, 'thinkingConfig', 'thinking_config') !== undefined && !model.thinks)
    throw new GoogleBadRequest('Thinking is not supported for this model.');
  const imageConfig = field(config, 'imageConfig', 'image_config');
  const aspectRatio = field(imageConfig, 'aspectRatio', 'aspect_ratio');
  const imageSize = field(imageConfig, 'imageSize', 'image_size');
  if (aspectRatio !== undefined && (typeof aspectRatio !== 'string' || !model.ratios.includes(aspectRatio))) {
    throw new GoogleBadRequest(
      `* GenerateContentRequest.generation_config.image_config.aspect_ratio: unsupported aspect ratio ${String(aspectRatio)}`,
    );
  }
  if (imageSize !== undefined && (typeof imageSize !== 'string' || !model.tiers.includes(imageSize))) {
    throw new GoogleBadRequest(
      `* GenerateContentRequest.generation_config.image_config.image_size: unsupported image size ${String(imageSize)} for this model`,
    );
  }
  return {
    textTokens,
    inputImages,
    modalities: modalities.map((value: string) => value.toUpperCase()),
    aspectRatio: aspectRatio as string | undefined,
    imageSize: imageSize as string | undefined,
  };
}

async function readInlineImage(inline: unknown, index: number): Promise<{ width: number; height: number }> {
  const mimeType = field(inline, 'mimeType', 'mime_type');
  const data = field(inline, 'data', 'data');
  if (typeof mimeType !== 'string' || !INPUT_MIME_TYPES.includes(mimeType))
    throw new GoogleBadRequest(`Unsupported MIME type: ${String(mimeType)}`);
  if (typeof data !== 'string' || !BASE64.test(data)) {
    throw new GoogleBadRequest(
      `Invalid value at 'contents[0].parts[${index}].inline_data.data' (TYPE_BYTES), Base64 decoding failed for "${String(data).slice(0, 24)}..."`,
    );
  }
  try {
    const metadata = await sharp(Buffer.from(data, 'base64')).metadata();
    if (!metadata.width || !metadata.height || `image/${metadata.format}` !== mimeType) throw new Error('mismatch');
    return { width: metadata.width, height: metadata.height };
  } catch {
    throw new GoogleBadRequest(
      'Unable to process input image. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
    );
  }
}

async function answer(modelId: string, model: GeminiFakeModel, parsed: ParsedGenerate, reply: GeminiReply | undefined): Promise<unknown> {
  const first = parsed.inputImages[0];
  // Without a ratio, an edit follows its first input image; a generation is square.
  const ratio = parsed.aspectRatio ?? (first ? nearestRatio(first, model.ratios) : '1:1');
  const tier = parsed.imageSize ?? '1K';
  const [width, height] = geminiOutputSize(model, ratio, tier);
  const imageTokens = model.tokens[tier] ?? 1120;
  const usage = (outputImages: number) => ({
    promptTokenCount: parsed.textTokens + parsed.inputImages.length * model.inputImageTokens,
    candidatesTokenCount: outputImages * imageTokens,
    totalTokenCount: parsed.textTokens + parsed.inputImages.length * model.inputImageTokens + outputImages * imageTokens,
    promptTokensDetails: [
      { modality: 'TEXT', tokenCount: parsed.textTokens },
      ...(parsed.inputImages.length > 0 ? [{ modality: 'IMAGE', tokenCount: parsed.inputImages.length * model.inputImageTokens }] : []),
    ],
    ...(outputImages > 0 ? { candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: outputImages * imageTokens }] } : {}),
    ...(model.thinks ? { thoughtsTokenCount: 214 } : {}),
  });
  const envelope = (candidate: unknown, outputImages: number) => ({
    candidates: [candidate],
    usageMetadata: usage(outputImages),
    modelVersion: modelId,
    responseId: `fake-${Date.now().toString(36)}`,
  });
  const text = (value: string) => ({ text: value });
  const image = async (seed: number, size: [number, number] = [width, height]) => ({
    inlineData: { mimeType: 'image/png', data: (await fakeImage(size[0], size[1], 'png', seed)).toString('base64') },
  });

  // Without IMAGE in the modalities the model can only talk.
  if (reply === 'text_only' || !parsed.modalities.includes('IMAGE')) {
    return envelope(
      {
        content: { role: 'model', parts: [text("I can't draw that, but here is a description of a lighthouse at dawn.")] },
        finishReason: 'STOP',
        index: 0,
      },
      0,
    );
  }
  if (reply === 'image_safety')
    return envelope(
      {
        finishReason: 'IMAGE_SAFETY',
        finishMessage:
          "Unable to show the generated image. The image was filtered out because it violated Google's Generative AI Prohibited Use policy.",
        index: 0,
      },
      0,
    );
  if (reply === 'no_image') return envelope({ content: {}, finishReason: 'NO_IMAGE', index: 0 }, 0);
  const parts: unknown[] = [];
  if (reply === 'thought_image')
    parts.push({ ...(await image(7, [64, 64])), thought: true }, { text: 'Drafting the composition.', thought: true });
  if (parsed.modalities.includes('TEXT')) parts.push(text('Here is the image you asked for.'));
  parts.push(await image(1));
  if (reply === 'two_images') parts.push(await image(2));
  return envelope({ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }, reply === 'two_images' ? 2 : 1);
}

function nearestRatio(size: { width: number; height: number }, ratios: string[]): string {
  const target = Math.log(size.width / size.height);
  return ratios.reduce((best, ratio) => {
    const [a, b] = ratio.split(':').map(Number) as [number, number];
    const [c, d] = best.split(':').map(Number) as [number, number];
    return Math.abs(Math.log(a / b) - target) < Math.abs(Math.log(c / d) - target) ? ratio : best;
  });
}
