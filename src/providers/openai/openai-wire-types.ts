/**
 * The few fields of OpenAI's Images API responses the adapter reads (wire reference §4 and §6).
 * Read leniently: every field is optional and checked where it is used, so an extra or missing
 * field the adapter doesn't need never fails a generation.
 */

/** Token usage of GPT image models (absent for DALL·E). */
export interface OpenAIUsage {
  input_tokens?: unknown;
  output_tokens?: unknown;
  input_tokens_details?: { text_tokens?: unknown; image_tokens?: unknown };
}

/** `ImagesResponse`; `created` is Unix seconds. */
export interface OpenAIImagesResponse {
  created?: unknown;
  data?: unknown;
  usage?: OpenAIUsage;
}

/** `{"error": {...}}`, the shape of every OpenAI error. */
export interface OpenAIErrorBody {
  error?: {
    message?: unknown;
    type?: unknown;
    param?: unknown;
    code?: unknown;
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-negative integer token count, or `undefined`. */
export function tokenCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

/** The text of a field that should be a string, or `undefined`. */
export function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
