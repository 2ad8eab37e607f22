/**
 * The few fields of fal's queue and model responses the adapter reads (see
 * https://docs.fal.ai/model-apis/model-endpoints/queue). Parsed leniently: fal adds fields freely and some are `null`.
 */

/** The three queue states; a failed job also ends `COMPLETED` (its error comes from the result URL). */
export type FalQueueState = 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED';

/** The submit response and every status response. */
export interface FalQueueStatus {
  status: FalQueueState;
  request_id?: string;
  status_url?: string;
  response_url?: string;
  cancel_url?: string;
}

/** One generated file: a CDN URL, or a `data:` URI with `sync_mode`. */
export interface FalFile {
  url: string;
}

/** The model output of image endpoints (FLUX, Seedream, Qwen, Recraft). */
export interface FalImageOutput {
  /** Most models; some return a single `image` instead. */
  files: FalFile[];
  /** Index-aligned with `files`: `has_nsfw_concepts` (FLUX, Qwen) or `nsfw_content_detected` (SD family). */
  nsfwFlags: boolean[];
}

/** One entry of a 422 `detail` array (FastAPI validation shape, plus fal's own error types). */
export interface FalValidationItem {
  msg?: string;
  type?: string;
  loc?: unknown[];
}

/** An error body: `detail` array (validation, content policy), `detail` string + `error_type` (infra), or `message`. */
export interface FalErrorBody {
  items: FalValidationItem[];
  message: string | undefined;
  errorType: string | undefined;
}

const QUEUE_STATES: ReadonlySet<string> = new Set(['IN_QUEUE', 'IN_PROGRESS', 'COMPLETED']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const optionalString = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);

/** A queue status object, or `undefined` when the body is not one (HTML, truncated, unknown state). */
export function readQueueStatus(body: unknown): FalQueueStatus | undefined {
  if (!isRecord(body) || typeof body['status'] !== 'string' || !QUEUE_STATES.has(body['status'])) return undefined;
  const status: FalQueueStatus = { status: body['status'] as FalQueueState };
  for (const key of ['request_id', 'status_url', 'response_url', 'cancel_url'] as const) {
    const value = optionalString(body[key]);
    if (value !== undefined) status[key] = value;
  }
  return status;
}

/** The images of a model output, or `undefined` when it has neither `images[]` nor `image`. */
export function readImageOutput(body: unknown): FalImageOutput | undefined {
  if (!isRecord(body)) return undefined;
  const list = Array.isArray(body['images']) ? body['images'] : isRecord(body['image']) ? [body['image']] : undefined;
  if (!list) return undefined;
  const files: FalFile[] = [];
  for (const item of list) {
    const url = isRecord(item) ? optionalString(item['url']) : undefined;
    if (url === undefined) return undefined;
    files.push({ url });
  }
  const flags = Array.isArray(body['has_nsfw_concepts'])
    ? body['has_nsfw_concepts']
    : Array.isArray(body['nsfw_content_detected'])
      ? body['nsfw_content_detected']
      : [];
  return { files, nsfwFlags: flags.map((flag) => flag === true) };
}

/** Whatever an error body says, in any of fal's three shapes. */
export function readErrorBody(body: unknown): FalErrorBody {
  if (!isRecord(body)) return { items: [], message: undefined, errorType: undefined };
  const detail = body['detail'];
  const items: FalValidationItem[] = Array.isArray(detail)
    ? detail.filter(isRecord).map((item) => ({
        ...(typeof item['msg'] === 'string' ? { msg: item['msg'] } : {}),
        ...(typeof item['type'] === 'string' ? { type: item['type'] } : {}),
        ...(Array.isArray(item['loc']) ? { loc: item['loc'] } : {}),
      }))
    : [];
  const itemMessages = items.map((item) => [item.loc?.join('.'), item.msg].filter(Boolean).join(': ')).filter(Boolean);
  const message =
    optionalString(detail) ??
    (itemMessages.length > 0 ? itemMessages.join('; ') : undefined) ??
    optionalString(body['message']) ??
    optionalString(body['error']);
  return { items, message, errorType: optionalString(body['error_type']) };
}
