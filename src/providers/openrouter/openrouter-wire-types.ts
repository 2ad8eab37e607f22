/**
 * The few fields of OpenRouter chat-completion answers the adapter reads. Lenient: unknown fields
 * are ignored, and a field of the wrong type counts as absent.
 */

type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const stringOf = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);
const countOf = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined);

/** `choices[0]` of a completion, as far as images go. */
export interface OpenRouterCompletion {
  /** The `image_url.url` of every entry of `message.images`: data URLs (or https URLs). */
  imageUrls: string[];
  /** The assistant's text: the refusal or explanation when no image came back. */
  text: string | undefined;
  promptTokens: number | undefined;
  completionTokens: number | undefined;
  /** `usage.cost` in USD, when the request asked for it (`usage.include`). */
  costUsd: number | undefined;
}

/** A completion body → what it holds, or `undefined` when it has no `choices[0].message`. */
export function readCompletion(json: unknown): OpenRouterCompletion | undefined {
  if (!isObject(json) || !Array.isArray(json['choices'])) return undefined;
  const choice: unknown = json['choices'][0];
  if (!isObject(choice) || !isObject(choice['message'])) return undefined;
  const message = choice['message'];
  const images = Array.isArray(message['images']) ? message['images'] : [];
  const imageUrls = images.flatMap((image) => {
    const url = isObject(image) && isObject(image['image_url']) ? stringOf(image['image_url']['url']) : undefined;
    return url ? [url] : [];
  });
  const usage = isObject(json['usage']) ? json['usage'] : {};
  return {
    imageUrls,
    text: stringOf(message['content']),
    promptTokens: countOf(usage['prompt_tokens']),
    completionTokens: countOf(usage['completion_tokens']),
    costUsd: countOf(usage['cost']),
  };
}

/** `{"error": {"code", "message", "metadata"}}`, the parts that are there. */
export interface OpenRouterErrorBody {
  message: string | undefined;
  /** `metadata.reasons`: present on moderation refusals. */
  moderationReasons: string[] | undefined;
}

export function readErrorBody(json: unknown): OpenRouterErrorBody {
  const error = isObject(json) && isObject(json['error']) ? json['error'] : {};
  const metadata = isObject(error['metadata']) ? error['metadata'] : {};
  const reasons = Array.isArray(metadata['reasons']) ? metadata['reasons'].filter((reason) => typeof reason === 'string') : undefined;
  return { message: stringOf(error['message']), moderationReasons: reasons };
}

/** A `data:image/...;base64,` URL split into its base64 text; `undefined` for any other URL. */
export function base64OfDataUrl(url: string): string | undefined {
  const match = /^data:image\/[a-z0-9.+-]+;base64,/i.exec(url);
  return match ? url.slice(match[0].length) : undefined;
}
