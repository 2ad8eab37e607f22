/**
 * The `generateContent` wire format: the request we send (complete) and the few response fields
 * we read. Responses are read leniently: unknown fields are ignored and a field of the wrong type
 * counts as absent. Google answers in lowerCamelCase.
 */

/** One part of a request turn: the prompt, or an input image as raw base64 (no `data:` prefix). */
export type GeminiRequestPart = { text: string } | { inlineData: { mimeType: string; data: string } };

export interface GeminiRequestBody {
  contents: Array<{ role: 'user'; parts: GeminiRequestPart[] }>;
  generationConfig: {
    responseModalities: string[];
    imageConfig?: { aspectRatio?: string; imageSize?: string };
    seed?: number;
    thinkingConfig?: { thinkingLevel: string };
  };
}

/** An image part of a candidate. */
export interface GeminiImagePart {
  mimeType: string | undefined;
  /** Base64 text exactly as sent. */
  data: string;
}

export interface GeminiCandidate {
  /** Non-thought image parts, in order. */
  images: GeminiImagePart[];
  /** Text parts joined (the model sometimes talks instead of drawing). */
  text: string | undefined;
  finishReason: string | undefined;
  finishMessage: string | undefined;
}

export interface GeminiUsage {
  /** Prompt tokens by modality (`TEXT`, `IMAGE`), from `promptTokensDetails`. */
  promptByModality: Record<string, number>;
  promptTokenCount: number | undefined;
  /** Output tokens by modality, from `candidatesTokensDetails`. */
  candidatesByModality: Record<string, number>;
  candidatesTokenCount: number | undefined;
  thoughtsTokenCount: number | undefined;
}

export interface GeminiResponse {
  candidates: GeminiCandidate[];
  /** Set when the prompt itself was blocked (HTTP 200, no candidates). */
  blockReason: string | undefined;
  blockReasonMessage: string | undefined;
  usage: GeminiUsage | undefined;
}

type JsonObject = Record<string, unknown>;

/** `undefined` when the body is not a JSON object at all. */
export function readGeminiResponse(body: unknown): GeminiResponse | undefined {
  if (!isObject(body)) return undefined;
  const feedback = objectOf(body['promptFeedback']);
  return {
    candidates: arrayOf(body['candidates']).filter(isObject).map(readCandidate),
    blockReason: stringOf(feedback?.['blockReason']),
    blockReasonMessage: stringOf(feedback?.['blockReasonMessage']),
    usage: readUsage(objectOf(body['usageMetadata'])),
  };
}

function readCandidate(candidate: JsonObject): GeminiCandidate {
  const parts = arrayOf(objectOf(candidate['content'])?.['parts']).filter(isObject);
  // Gemini 3 may send interim "thought" images before the answer: never deliver those.
  const answerParts = parts.filter((part) => part['thought'] !== true);
  const images = answerParts.flatMap((part) => {
    const inline = objectOf(part['inlineData']);
    const data = stringOf(inline?.['data']);
    const mimeType = stringOf(inline?.['mimeType']);
    if (data === undefined || (mimeType !== undefined && !mimeType.startsWith('image/'))) return [];
    return [{ mimeType, data }];
  });
  const texts = answerParts.map((part) => stringOf(part['text'])).filter((text): text is string => text !== undefined);
  return {
    images,
    text: texts.length > 0 ? texts.join('\n') : undefined,
    finishReason: stringOf(candidate['finishReason']),
    finishMessage: stringOf(candidate['finishMessage']),
  };
}

function readUsage(usage: JsonObject | undefined): GeminiUsage | undefined {
  if (!usage) return undefined;
  return {
    promptByModality: byModality(usage['promptTokensDetails']),
    promptTokenCount: countOf(usage['promptTokenCount']),
    candidatesByModality: byModality(usage['candidatesTokensDetails']),
    candidatesTokenCount: countOf(usage['candidatesTokenCount']),
    thoughtsTokenCount: countOf(usage['thoughtsTokenCount']),
  };
}

/** `[{modality: 'IMAGE', tokenCount: 1290}, ...]` → `{IMAGE: 1290}` (repeated modalities add up). */
function byModality(details: unknown): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const detail of arrayOf(details).filter(isObject)) {
    const modality = stringOf(detail['modality']);
    const count = countOf(detail['tokenCount']);
    if (modality !== undefined && count !== undefined) totals[modality] = (totals[modality] ?? 0) + count;
  }
  return totals;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const objectOf = (value: unknown) => (isObject(value) ? value : undefined);
const arrayOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const stringOf = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);
const countOf = (value: unknown) => (typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined);
