/**
 * The few fields of BFL responses the adapter reads. Parsing is lenient: unknown fields are
 * ignored, and a field of the wrong type counts as absent.
 */

/** `POST /v1/{model}` → `AsyncResponse`. `cost` is in credits (1 credit = $0.01). */
export interface BflSubmitResponse {
  id: string;
  pollingUrl: string | undefined;
  costCredits: number | undefined;
}

/** `GET {polling_url}` → `ResultResponse`. */
export interface BflResultResponse {
  /** `Pending`, `Ready`, `Error`, `Request Moderated`, … (`state` in some deployments). */
  status: string | undefined;
  /** `result.sample`: the signed result URL, valid for 10 minutes. */
  sample: string | undefined;
  /** Moderation reasons or error details, when BFL sends them (shape varies). */
  details: unknown;
}

/** Terminal and running states of a task, as BFL spells them. */
export const BFL_STATUS = {
  ready: 'Ready',
  error: 'Error',
  failed: 'Failed',
  requestModerated: 'Request Moderated',
  contentModerated: 'Content Moderated',
  taskNotFound: 'Task not found',
} as const;

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const stringOf = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);
const numberOf = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

export function readSubmitResponse(json: unknown): BflSubmitResponse | undefined {
  if (!isObject(json)) return undefined;
  const id = stringOf(json['id']);
  if (id === undefined) return undefined;
  return { id, pollingUrl: stringOf(json['polling_url']), costCredits: numberOf(json['cost']) };
}

export function readResultResponse(json: unknown): BflResultResponse | undefined {
  if (!isObject(json)) return undefined;
  const result = json['result'];
  return {
    status: stringOf(json['status']) ?? stringOf(json['state']),
    sample: isObject(result) ? stringOf(result['sample']) : undefined,
    details: json['details'],
  };
}

/**
 * The message of an error body: `{"detail": "..."}`, FastAPI's `{"detail": [{loc, msg}]}`, or
 * `{"message": "..."}`.
 */
export function readErrorMessage(json: unknown): string | undefined {
  if (!isObject(json)) return undefined;
  const detail = json['detail'];
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    const problems = detail.filter(isObject).map((problem) => {
      const location = Array.isArray(problem['loc']) ? problem['loc'].filter((part) => part !== 'body').join('.') : '';
      const message = stringOf(problem['msg']) ?? 'invalid';
      return location ? `${location}: ${message}` : message;
    });
    if (problems.length > 0) return problems.join('; ');
  }
  return stringOf(json['message']) ?? (detail === undefined || detail === null ? undefined : JSON.stringify(detail));
}

/** Moderation reasons: `details["Moderation Reasons"]` (a list) when present, else a string detail. */
export function readModerationReasons(details: unknown): string | undefined {
  if (typeof details === 'string') return details;
  if (!isObject(details)) return undefined;
  const reasons = details['Moderation Reasons'];
  if (Array.isArray(reasons)) {
    const texts = reasons.filter((reason): reason is string => typeof reason === 'string');
    if (texts.length > 0) return texts.join(', ');
  }
  return undefined;
}

/** `GET /v1/credits` → `{"credits": number}`. */
export function readCredits(json: unknown): number | undefined {
  return isObject(json) ? numberOf(json['credits']) : undefined;
}
