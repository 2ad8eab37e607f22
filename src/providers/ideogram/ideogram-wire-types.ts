/**
 * The few fields of Ideogram responses the adapter reads. Lenient: unknown fields are ignored, and
 * a field of the wrong type counts as absent.
 */

/** One item of a V3 `data` array. */
export interface IdeogramImageItem {
  /** Empty or null when `isImageSafe` is false: Ideogram withholds the image. */
  url: string | undefined;
  /** The prompt as drawn: Magic Prompt may have rewritten it. */
  prompt: string | undefined;
  isImageSafe: boolean;
}

type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const stringOf = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);

/** `{created, data: [...]}` → its items, or `undefined` when there is no `data` array. */
export function readImageItems(json: unknown): IdeogramImageItem[] | undefined {
  if (!isObject(json) || !Array.isArray(json['data'])) return undefined;
  return json['data'].map((item): IdeogramImageItem => {
    const fields = isObject(item) ? item : {};
    // Only an explicit `false` withholds: a missing flag with a URL is still an image.
    return { url: stringOf(fields['url']), prompt: stringOf(fields['prompt']), isImageSafe: fields['is_image_safe'] !== false };
  });
}

/** The `error` (422 safety) or `message`/`detail` text of an error body, when there is one. */
export function readErrorMessage(json: unknown): string | undefined {
  if (typeof json === 'string') return stringOf(json);
  if (!isObject(json)) return undefined;
  return stringOf(json['error']) ?? stringOf(json['message']) ?? stringOf(json['detail']);
}
