import { UpstreamError } from '../../errors/upstream-error.js';
import { redactSecrets, upstreamErrorFromResponse } from '../common/upstream-error-from-response.js';
import { parseJsonBody, type UpstreamResponse } from '../common/upstream-fetch.js';
import type { ComfyuiInputName, ComfyuiWorkflow } from './comfyui-route-options.js';
import { readPromptError, type ComfyuiHistoryEntry } from './comfyui-wire-types.js';

/** The client parameter behind each bound input, for a 400 that names what the client sent. */
const CLIENT_PARAMETER: Partial<Record<ComfyuiInputName, string>> = {
  prompt: 'prompt',
  negative: 'negative_prompt',
  width: 'size',
  height: 'size',
  batch_size: 'n',
  seed: 'seed',
  steps: 'steps',
  denoise: 'strength',
};

/**
 * An HTTP error from ComfyUI or the proxy in front of it. A validation 400 whose failing input is
 * bound to a client parameter (width out of range) is the client's invalid request naming it; any
 * other validation failure (a checkpoint not installed, a missing custom node) is this backend's
 * configuration, retryable elsewhere, code `workflow_invalid`. 401/429/5xx come from a proxy and
 * follow the status, with `Retry-After`.
 */
export function comfyuiHttpError(
  provider: string,
  response: UpstreamResponse,
  workflow: ComfyuiWorkflow | undefined,
  apiKey: string | undefined,
): UpstreamError {
  if (response.status !== 400) return upstreamErrorFromResponse(provider, response, { secrets: [apiKey] });
  const error = readPromptError(parseJsonBody(response.body));
  // `/upload` and `/view` answer a plain, empty 400: nothing to read but the status.
  if (error.type === undefined && error.nodeErrors.length === 0)
    return upstreamErrorFromResponse(provider, response, { secrets: [apiKey] });
  const failures = error.nodeErrors.flatMap((node) =>
    node.errors.map((item) => ({ ...item, nodeId: node.nodeId, classType: node.classType })),
  );
  const details = failures.map((item) => `node ${item.nodeId} (${item.classType ?? '?'}): ${item.type ?? 'error'}: ${item.details ?? ''}`);
  const summary = [error.type, error.message, ...details].filter((part) => part !== undefined).join('; ');
  const clientFault = failures.find((item) => clientParameterOf(workflow, item.nodeId, item.inputName) !== undefined);
  if (clientFault) {
    const parameter = clientParameterOf(workflow, clientFault.nodeId, clientFault.inputName)!;
    return upstreamErrorFromResponse(provider, response, {
      kind: 'invalid_request',
      upstreamMessage: `'${parameter}' was refused: ${clientFault.type ?? 'invalid'}: ${clientFault.details ?? ''}`,
      secrets: [apiKey],
    });
  }
  return upstreamErrorFromResponse(provider, response, {
    kind: 'upstream_error',
    code: 'workflow_invalid',
    upstreamMessage: summary,
    secrets: [apiKey],
  });
}

/** A prompt that ComfyUI accepted and then failed to run. Out of memory keeps its own code for operators. */
export function comfyuiExecutionError(
  provider: string,
  entry: Extract<ComfyuiHistoryEntry, { status: 'error' }>,
  apiKey: string | undefined,
): UpstreamError {
  if (entry.interrupted && !entry.exceptionType)
    return new UpstreamError({
      provider,
      kind: 'upstream_error',
      code: 'interrupted',
      message: `The provider '${provider}' interrupted the prompt.`,
    });
  const outOfMemory = entry.exceptionType?.endsWith('OutOfMemoryError') ?? false;
  const what = redactSecrets([entry.exceptionType, entry.exceptionMessage].filter(Boolean).join(': '), [apiKey]).slice(0, 400);
  return new UpstreamError({
    provider,
    kind: 'upstream_error',
    ...(outOfMemory ? { code: 'out_of_memory' } : {}),
    message: `The provider '${provider}' failed to run the workflow${what ? `: ${what}` : '.'}`,
  });
}

function clientParameterOf(workflow: ComfyuiWorkflow | undefined, nodeId: string, inputName: string | undefined): string | undefined {
  if (!workflow || !inputName) return undefined;
  for (const [name, binding] of Object.entries(workflow.inputs))
    if (binding && binding.node === nodeId && binding.input === inputName) return CLIENT_PARAMETER[name as ComfyuiInputName];
  return undefined;
}
