/*
 * The dashboard's only way to the gateway: same-origin fetch with the signed-in key. Every error
 * becomes a GatewayError carrying the gateway's own message, type, code and param.
 */

/** What the gateway said went wrong, in its words. */
export class GatewayError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly type: string,
    readonly code: string | undefined,
    readonly param: string | undefined,
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}

export type QueryValue = string | number | boolean | undefined | null;

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  /** JSON body. */
  json?: unknown;
  /** Multipart body (the browser sets the boundary). */
  form?: FormData;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface GatewayClient {
  /** The signed-in key. */
  readonly key: string;
  request<T>(method: string, path: string, options?: RequestOptions): Promise<T>;
  /** The raw response, for non-JSON answers (CSV). Throws GatewayError like `request`. */
  fetchRaw(method: string, path: string, options?: RequestOptions): Promise<Response>;
}

export function pathWithQuery(path: string, query: Record<string, QueryValue> | undefined): string {
  if (query === undefined) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

export function createGatewayClient(key: string, baseUrl = ''): GatewayClient {
  async function fetchRaw(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${key}`, ...options.headers };
    let body: BodyInit | undefined;
    if (options.form !== undefined) body = options.form;
    else if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    let response: Response;
    try {
      response = await fetch(`${baseUrl}${pathWithQuery(path, options.query)}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error;
      throw new GatewayError(
        'The gateway could not be reached. Check your connection and that the gateway is running.',
        0,
        'network_error',
        undefined,
        undefined,
      );
    }
    if (!response.ok) throw await errorOf(response);
    return response;
  }
  return {
    key,
    fetchRaw,
    async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
      const response = await fetchRaw(method, path, options);
      // A heartbeat may have committed a 200 before an error: the body says so.
      const parsed = (await response.json()) as T & { error?: ErrorBody['error'] };
      if (parsed !== null && typeof parsed === 'object' && 'error' in parsed && parsed.error && !('data' in parsed)) {
        throw fromBody(parsed as ErrorBody, parsed.error.status ?? 500);
      }
      return parsed;
    },
  };
}

interface ErrorBody {
  error: { message?: string; type?: string; code?: string; param?: string; status?: number };
}

async function errorOf(response: Response): Promise<GatewayError> {
  try {
    return fromBody((await response.json()) as ErrorBody, response.status);
  } catch {
    return new GatewayError(
      `The gateway answered ${response.status} ${response.statusText}.`,
      response.status,
      'http_error',
      undefined,
      undefined,
    );
  }
}

function fromBody(body: ErrorBody, status: number): GatewayError {
  const error = body.error ?? {};
  return new GatewayError(error.message ?? `The gateway answered ${status}.`, status, error.type ?? 'error', error.code, error.param);
}

/** A sentence for people: what happened, then the gateway's own words. */
export function describeError(error: unknown): string {
  if (error instanceof GatewayError) {
    const lead = HEADLINES[error.status] ?? (error.status >= 500 ? 'The gateway or a provider failed.' : 'The request was refused.');
    const where = error.param ? ` (${error.param})` : '';
    return `${lead}${where} ${error.message}`;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

const HEADLINES: Record<number, string> = {
  0: 'No connection.',
  400: 'Something in the request needs fixing.',
  401: 'This key is not accepted.',
  402: 'Not enough credits.',
  403: 'This key may not do that.',
  404: 'Not found.',
  409: 'Conflict.',
  413: 'Too large.',
  429: 'Too many requests right now.',
  502: 'The provider failed.',
  503: 'Not available on this gateway.',
  504: 'The provider took too long.',
};
