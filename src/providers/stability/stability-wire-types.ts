/** `finish_reason` of a v2beta result: a filtered image still arrives with HTTP 200, blurred. */
export const STABILITY_FINISH = { success: 'SUCCESS', contentFiltered: 'CONTENT_FILTERED' } as const;

/** The fields the adapter reads of a JSON result (`Accept: application/json`). */
export interface StabilityImageResult {
  /** Base64 of the image, no `data:` prefix. */
  image: string;
  finishReason: string | undefined;
}

/** Stability's error envelope: `{id, name, errors: [string]}` (`name`: `content_moderation`, …). */
export interface StabilityErrorBody {
  name: string | undefined;
  message: string | undefined;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);

/** Lenient: `undefined` when there is no base64 image (unknown fields are ignored). */
export function readImageResult(json: unknown): StabilityImageResult | undefined {
  if (!isRecord(json)) return undefined;
  const image = text(json['image']);
  if (image === undefined) return undefined;
  return { image, finishReason: text(json['finish_reason']) };
}

/** The error's `name` and its messages joined; v1-era bodies carried `message` instead of `errors`. */
export function readErrorBody(json: unknown): StabilityErrorBody {
  if (!isRecord(json)) return { name: undefined, message: undefined };
  const errors = Array.isArray(json['errors']) ? json['errors'].filter((entry): entry is string => typeof entry === 'string') : [];
  return { name: text(json['name']), message: errors.length > 0 ? errors.join('; ') : text(json['message']) };
}
