import { errorResponseSchema } from '../http/schemas/response-schemas.js';
import { CliExitError, EXIT_GATEWAY, EXIT_NETWORK } from './cli-exit-error.js';
import type { GatewayConnection } from './gateway-connection.js';
import { GatewayError } from './gateway-error.js';

export interface GatewayRequest {
  method: 'GET' | 'POST';
  /** Path and query, e.g. `/v1/models?name=flux`. */
  path: string;
  /** A JSON body, or a multipart form (fetch sets its boundary). */
  body?: { json: unknown } | { form: FormData };
}

/**
 * One request to the gateway with Node's fetch, its answer as parsed JSON. Failing to reach it or
 * to read the answer is a network error (4); an error answer, including one sent as a 200 body
 * after heartbeat whitespace, is a gateway error (3).
 */
export async function callGateway(connection: GatewayConnection, request: GatewayRequest): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (connection.key !== undefined) headers['authorization'] = `Bearer ${connection.key}`;
  let body: string | FormData | undefined;
  if (request.body !== undefined && 'json' in request.body) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(request.body.json);
  } else if (request.body !== undefined) {
    body = request.body.form;
  }
  const signal = connection.timeoutMs === undefined ? undefined : AbortSignal.timeout(connection.timeoutMs);
  let status: number;
  let text: string;
  try {
    const response = await fetch(`${connection.baseUrl}${request.path}`, {
      method: request.method,
      headers,
      ...(body === undefined ? {} : { body }),
      ...(signal === undefined ? {} : { signal }),
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    throw networkError(connection, error);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliExitError(EXIT_GATEWAY, `the gateway answered ${status} with a body that is not JSON: ${text.trim().slice(0, 200)}`);
  }
  const failure = errorResponseSchema.safeParse(parsed);
  if (failure.success) throw new GatewayError(failure.data.error.status ?? status, failure.data.error);
  if (status < 200 || status >= 300) throw new CliExitError(EXIT_GATEWAY, `the gateway answered ${status}`);
  return parsed;
}

function networkError(connection: GatewayConnection, error: unknown): CliExitError {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new CliExitError(
      EXIT_NETWORK,
      `no answer from ${connection.baseUrl} within ${(connection.timeoutMs ?? 0) / 1000} s (--timeout)`,
    );
  }
  // fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, ...) is in its cause.
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return new CliExitError(EXIT_NETWORK, `cannot reach the gateway at ${connection.baseUrl}: ${describeCause(cause)}`);
}

/** Connecting to `localhost` tries ::1 and 127.0.0.1: the refusal is an AggregateError with no message of its own. */
function describeCause(cause: unknown): string {
  if (cause instanceof AggregateError && cause.message === '') {
    const first: unknown = cause.errors[0];
    if (first instanceof Error) return first.message;
  }
  if (cause instanceof Error) return cause.message || ('code' in cause ? String(cause.code) : cause.name);
  return String(cause);
}
