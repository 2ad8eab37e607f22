/**
 * The few fields of Runware's task API (`POST {base}` with a JSON array of tasks) the adapter sends
 * and reads, read leniently: unknown fields are ignored, a field of the wrong type counts as absent.
 */

/** One `imageInference` task as the adapter sends it (camelCase with Runware's own capitals). */
export interface RunwareInferenceTask {
  taskType: 'imageInference';
  /** UUID v4, unique per task: results and errors are matched by it. */
  taskUUID: string;
  /** An AIR id, e.g. `runware:100@1`. */
  model: string;
  positivePrompt: string;
  negativePrompt?: string;
  width: number;
  height: number;
  numberResults: number;
  outputType: 'base64Data';
  outputFormat: 'PNG' | 'JPG' | 'WEBP';
  includeCost: true;
  steps?: number;
  CFGScale?: number;
  seed?: number;
  /** Image to image / inpaint source, as a data URI. */
  seedImage?: string;
  /** Inpaint mask as a data URI: white = repaint. */
  maskImage?: string;
  strength?: number;
  /** FLUX Kontext / Qwen edit style models take their inputs here instead of `seedImage`. */
  referenceImages?: string[];
}

/** One generated image of our task. */
export interface RunwareResult {
  base64: string;
  /** USD, only with `includeCost`. */
  cost: number | undefined;
}

/** One entry of `errors`. */
export interface RunwareErrorEntry {
  code: string | undefined;
  message: string | undefined;
  parameter: string | undefined;
  /** The upstream model's own message on `providerError`. */
  responseContent: string | undefined;
}

type JsonObject = Record<string, unknown>;

/**
 * The images of task `taskUUID` in a 200 body (`{data: [...]}`), selected by `taskUUID` and
 * `taskType` since payload-auth answers can carry an authentication ack too. `undefined` when the
 * body has no `data` list.
 */
export function readResults(body: unknown, taskUUID: string): RunwareResult[] | undefined {
  if (!isObject(body) || !Array.isArray(body['data'])) return undefined;
  return body['data'].filter(isObject).flatMap((entry) => {
    if (entry['taskUUID'] !== taskUUID || entry['taskType'] !== 'imageInference') return [];
    const base64 = stringOf(entry['imageBase64Data']);
    if (base64 === undefined) return [];
    const cost = entry['cost'];
    return [{ base64, cost: typeof cost === 'number' && Number.isFinite(cost) && cost >= 0 ? cost : undefined }];
  });
}

/** The first entry of `errors`, if the body has one. */
export function readFirstError(body: unknown): RunwareErrorEntry | undefined {
  if (!isObject(body) || !Array.isArray(body['errors'])) return undefined;
  const first = body['errors'].find(isObject);
  if (!first) return undefined;
  return {
    code: stringOf(first['code']),
    message: stringOf(first['message']),
    parameter: stringOf(first['parameter']),
    responseContent: stringOf(first['responseContent']),
  };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const stringOf = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);
