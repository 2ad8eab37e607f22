/**
 * The few fields of Replicate's responses the adapter reads. Parsing is lenient (unknown fields
 * are ignored, odd types become `undefined`): strict at our edge, lenient with the upstream.
 */

/** Where a prediction stands; `aborted` appears in the JS client's types and is treated as failed. */
export type PredictionStatus = 'starting' | 'processing' | 'succeeded' | 'failed' | 'canceled' | 'aborted';

const STATUSES: ReadonlySet<string> = new Set<PredictionStatus>(['starting', 'processing', 'succeeded', 'failed', 'canceled', 'aborted']);
const TERMINAL: ReadonlySet<PredictionStatus> = new Set<PredictionStatus>(['succeeded', 'failed', 'canceled', 'aborted']);

/** A prediction object, as returned by create, `urls.get` and `urls.cancel`. */
export interface Prediction {
  id: string;
  status: PredictionStatus;
  /** Model-defined: image models return one URL string or a list of them (`null` until done). */
  output: unknown;
  /** A free-text message on `failed` (no structured code field exists). */
  error: string | undefined;
  /** `true` once the one-hour retention for API predictions has passed. */
  dataRemoved: boolean;
  /** Poll URL (`urls.get`); absent on some proxies. */
  getUrl: string | undefined;
  cancelUrl: string | undefined;
  /** Seconds of hardware time billed for community models; only on terminal predictions. */
  predictTimeSeconds: number | undefined;
}

export const isTerminal = (status: PredictionStatus): boolean => TERMINAL.has(status);

/** `undefined` when the body is not a prediction (no id or an unknown status). */
export function parsePrediction(body: unknown): Prediction | undefined {
  if (!isRecord(body)) return undefined;
  const { id, status } = body;
  if (typeof id !== 'string' || id === '' || typeof status !== 'string' || !STATUSES.has(status)) return undefined;
  const urls = isRecord(body['urls']) ? body['urls'] : {};
  const metrics = isRecord(body['metrics']) ? body['metrics'] : {};
  return {
    id,
    status: status as PredictionStatus,
    output: body['output'] ?? null,
    error: stringOrUndefined(body['error']),
    dataRemoved: body['data_removed'] === true,
    getUrl: stringOrUndefined(urls['get']),
    cancelUrl: stringOrUndefined(urls['cancel']),
    predictTimeSeconds:
      typeof metrics['predict_time'] === 'number' && Number.isFinite(metrics['predict_time']) ? metrics['predict_time'] : undefined,
  };
}

/** Replicate's RFC 7807-like error body: `{title?, detail, status?, invalid_fields?}`. */
export interface ProblemDetails {
  title: string | undefined;
  detail: string | undefined;
}

export function parseProblemDetails(body: unknown): ProblemDetails {
  if (!isRecord(body)) return { title: undefined, detail: undefined };
  return { title: stringOrUndefined(body['title']), detail: stringOrUndefined(body['detail']) };
}

/** The authenticated account (`GET /account`), for the doctor's probe. */
export function parseAccountName(body: unknown): string | undefined {
  return isRecord(body) ? stringOrUndefined(body['username']) : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
