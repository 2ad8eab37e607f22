/**
 * The few fields of Recraft responses the adapter reads. Lenient: unknown fields are ignored, and
 * a field of the wrong type counts as absent.
 */

/** One `Image` of a generation's `data` array: a temporary URL or base64, never both. */
export interface RecraftImageItem {
  url: string | undefined;
  b64Json: string | undefined;
  revisedPrompt: string | undefined;
}

export interface RecraftGeneration {
  items: RecraftImageItem[];
  /** API units charged (1000 units = $1), when reported. */
  credits: number | undefined;
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const stringOf = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);

/** `{created, credits, data: [...]}` → its images and charge, or `undefined` without a `data` array. */
export function readGeneration(json: unknown): RecraftGeneration | undefined {
  if (!isObject(json) || !Array.isArray(json['data'])) return undefined;
  const credits = json['credits'];
  return {
    items: json['data'].map((item): RecraftImageItem => {
      const fields = isObject(item) ? item : {};
      return { url: stringOf(fields['url']), b64Json: stringOf(fields['b64_json']), revisedPrompt: stringOf(fields['revised_prompt']) };
    }),
    credits: typeof credits === 'number' && Number.isFinite(credits) && credits >= 0 ? credits : undefined,
  };
}

/** What an error body says, in either shape clients have seen (`{error: {message, param, code}}` or `{code, message}`). */
export interface RecraftErrorBody {
  message: string | undefined;
  param: string | undefined;
  code: string | undefined;
}

export function readErrorBody(json: unknown): RecraftErrorBody {
  const outer = isObject(json) ? json : {};
  const inner = isObject(outer['error']) ? outer['error'] : outer;
  return {
    message: stringOf(inner['message']) ?? stringOf(outer['error']),
    param: stringOf(inner['param']),
    code: stringOf(inner['code']),
  };
}
