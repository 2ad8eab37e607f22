/**
 * The few fields of the SD WebUI API (`/sdapi/v1/*`) the adapter reads, read leniently: unknown
 * fields are ignored, a field of the wrong type counts as absent.
 */

/** The JSON body of `POST /sdapi/v1/txt2img` and `/img2img` as the adapter sends it. */
export interface Automatic1111RequestBody {
  prompt: string;
  negative_prompt?: string;
  seed: number;
  width: number;
  height: number;
  batch_size: number;
  n_iter: 1;
  steps?: number;
  cfg_scale?: number;
  sampler_name?: string;
  scheduler?: string;
  send_images: true;
  save_images: false;
  override_settings?: { sd_model_checkpoint: string };
  /** img2img only: base64 without a `data:` prefix. */
  init_images?: string[];
  /** img2img only: white = repaint, black = keep. */
  mask?: string;
  denoising_strength?: number;
  /** 1 = start the masked area from the original pixels. */
  inpainting_fill?: number;
}

export interface Automatic1111Generation {
  /** Base64 strings exactly as sent (no `data:` prefix). */
  images: string[];
  /** From the JSON-encoded `info`: 1 when a grid image leads the list. */
  indexOfFirstImage: number;
}

type JsonObject = Record<string, unknown>;

/** `undefined` when the body has no `images` list. `info` is itself JSON text, parsed here. */
export function readGeneration(body: unknown): Automatic1111Generation | undefined {
  if (!isObject(body) || !Array.isArray(body['images'])) return undefined;
  const images = body['images'].filter((image): image is string => typeof image === 'string' && image.length > 0);
  const info = typeof body['info'] === 'string' ? parseInfo(body['info']) : undefined;
  const first = info?.['index_of_first_image'];
  return { images, indexOfFirstImage: typeof first === 'number' && Number.isInteger(first) && first >= 0 ? first : 0 };
}

/**
 * The error body of the API middleware (`{error, detail, body, errors}`) or FastAPI's validation
 * error (`{detail: [{loc, msg, type}]}`): its message and, for validation errors, the body field.
 */
export interface Automatic1111ErrorBody {
  errorClass: string | undefined;
  message: string | undefined;
  field: string | undefined;
}

export function readErrorBody(body: unknown): Automatic1111ErrorBody {
  if (!isObject(body)) return { errorClass: undefined, message: undefined, field: undefined };
  const errorClass = stringOf(body['error']);
  const detail = body['detail'];
  if (Array.isArray(detail)) {
    const first = detail.find(isObject);
    const location = Array.isArray(first?.['loc']) ? first['loc'] : [];
    const field = location.length >= 2 && location[0] === 'body' ? stringOf(location[1]) : undefined;
    return { errorClass, message: stringOf(first?.['msg']), field };
  }
  return { errorClass, message: stringOf(detail) ?? stringOf(body['errors']), field: undefined };
}

/** `GET /sdapi/v1/sd-models`: the checkpoint titles. */
export function readCheckpointTitles(body: unknown): string[] | undefined {
  if (!Array.isArray(body)) return undefined;
  return body.filter(isObject).flatMap((model) => {
    const title = stringOf(model['title']);
    return title === undefined ? [] : [title];
  });
}

function parseInfo(text: string): JsonObject | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const stringOf = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);
