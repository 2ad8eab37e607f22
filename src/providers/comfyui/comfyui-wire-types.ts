/**
 * The few fields of the ComfyUI HTTP API the adapter reads, read leniently: unknown fields are
 * ignored, a field of the wrong type counts as absent.
 */

type JsonObject = Record<string, unknown>;

/** `POST /upload/image` and `/upload/mask`: where the file landed in `input/`. */
export function readUploadedName(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  const name = stringOf(body['name']);
  if (!name) return undefined;
  const subfolder = stringOf(body['subfolder']);
  // LoadImage takes `sub/name.png` for a file in a subfolder of `input/`.
  return subfolder ? `${subfolder}/${name}` : name;
}

/** `POST /prompt` 200: `{prompt_id, number, node_errors}`. */
export function readPromptId(body: unknown): string | undefined {
  return isObject(body) ? stringOf(body['prompt_id']) : undefined;
}

export interface ComfyuiInputError {
  type: string | undefined;
  details: string | undefined;
  inputName: string | undefined;
}

export interface ComfyuiNodeError {
  nodeId: string;
  classType: string | undefined;
  errors: ComfyuiInputError[];
}

/** `POST /prompt` 400: a top-level `error` and per-node `node_errors`. */
export interface ComfyuiPromptError {
  type: string | undefined;
  message: string | undefined;
  nodeErrors: ComfyuiNodeError[];
}

export function readPromptError(body: unknown): ComfyuiPromptError {
  if (!isObject(body)) return { type: undefined, message: undefined, nodeErrors: [] };
  const error = isObject(body['error']) ? body['error'] : {};
  const nodeErrors = isObject(body['node_errors'])
    ? Object.entries(body['node_errors']).flatMap(([nodeId, entry]): ComfyuiNodeError[] => {
        if (!isObject(entry)) return [];
        const errors = Array.isArray(entry['errors']) ? entry['errors'].filter(isObject) : [];
        return [
          {
            nodeId,
            classType: stringOf(entry['class_type']),
            errors: errors.map((item) => ({
              type: stringOf(item['type']),
              details: stringOf(item['details']) ?? stringOf(item['message']),
              inputName: isObject(item['extra_info']) ? stringOf(item['extra_info']['input_name']) : undefined,
            })),
          },
        ];
      })
    : [];
  return { type: stringOf(error['type']), message: stringOf(error['message']), nodeErrors };
}

export interface ComfyuiOutputFile {
  filename: string;
  subfolder: string;
  type: string;
}

/** One finished `/history/{prompt_id}` entry. */
export type ComfyuiHistoryEntry =
  | {
      status: 'success';
      outputs: Record<string, ComfyuiOutputFile[]>;
      /** From the `execution_start` to the `execution_success` message's timestamp, when both are there. */
      executionMs: number | undefined;
    }
  | { status: 'error'; exceptionType: string | undefined; exceptionMessage: string | undefined; interrupted: boolean };

/** `undefined` while the prompt is queued or running (the body is `{}`); `null` for a body that is no history at all. */
export function readHistoryEntry(body: unknown, promptId: string): ComfyuiHistoryEntry | undefined | null {
  if (!isObject(body)) return null;
  const entry = body[promptId];
  if (entry === undefined) return undefined;
  if (!isObject(entry)) return null;
  const status = isObject(entry['status']) ? entry['status'] : {};
  const messages = Array.isArray(status['messages']) ? status['messages'] : [];
  if (status['status_str'] === 'error') {
    const failure = messages.find((message) => Array.isArray(message) && message[0] === 'execution_error');
    const data: unknown = Array.isArray(failure) ? failure[1] : undefined;
    return {
      status: 'error',
      exceptionType: isObject(data) ? stringOf(data['exception_type']) : undefined,
      exceptionMessage: isObject(data) ? stringOf(data['exception_message']) : undefined,
      interrupted: messages.some((message) => Array.isArray(message) && message[0] === 'execution_interrupted'),
    };
  }
  const outputs: Record<string, ComfyuiOutputFile[]> = {};
  if (isObject(entry['outputs']))
    for (const [nodeId, output] of Object.entries(entry['outputs'])) {
      const images = isObject(output) && Array.isArray(output['images']) ? output['images'].filter(isObject) : [];
      outputs[nodeId] = images.flatMap((image) => {
        const filename = stringOf(image['filename']);
        return filename
          ? [
              {
                filename,
                subfolder: typeof image['subfolder'] === 'string' ? image['subfolder'] : '',
                type: stringOf(image['type']) ?? 'output',
              },
            ]
          : [];
      });
    }
  return { status: 'success', outputs, executionMs: executionMs(messages) };
}

/** `GET /models/checkpoints`: file names. */
export function readModelFiles(body: unknown): string[] | undefined {
  return Array.isArray(body) ? body.filter((name): name is string => typeof name === 'string') : undefined;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const stringOf = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);

/** ComfyUI stamps `execution_start` and `execution_success` in epoch milliseconds: their gap is the GPU's time on the prompt. */
function executionMs(messages: unknown[]): number | undefined {
  const stamp = (name: string) => {
    const message = messages.find((candidate) => Array.isArray(candidate) && candidate[0] === name);
    const data: unknown = Array.isArray(message) ? message[1] : undefined;
    const timestamp = isObject(data) ? data['timestamp'] : undefined;
    return typeof timestamp === 'number' && Number.isFinite(timestamp) ? timestamp : undefined;
  };
  const start = stamp('execution_start');
  const end = stamp('execution_success');
  return start !== undefined && end !== undefined && end >= start ? end - start : undefined;
}
