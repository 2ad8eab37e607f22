import { ApiError, type ErrorKind } from '../errors/api-error.js';
import { UpstreamError } from '../errors/upstream-error.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { ProviderCall, ProviderResult } from '../providers/provider.js';
import type { Attempt } from './attempt.js';

/** Kinds after which another route may well succeed. Bad requests and refusals would fail again. */
const FALLBACK_KINDS = new Set<ErrorKind>(['rate_limited', 'quota_exceeded', 'authentication', 'permission', 'unavailable', 'timeout', 'upstream_error']);

/** The part of a catalog route the router needs. */
export interface RoutableRoute {
  provider: string;
  model: string;
  options: Record<string, unknown>;
}

export interface RouteOutcome<R extends RoutableRoute> {
  route: R;
  result: ProviderResult;
}

export interface RunRoutesInput<R extends RoutableRoute> {
  routes: R[];
  registry: ProviderRegistry;
  call: Omit<ProviderCall, 'upstreamModel' | 'options'>;
  clock: () => number;
  /** Appended to as attempts finish, so the record has them even when everything fails. */
  attempts: Attempt[];
}

/** Tries the routes in order, falling back on failures another upstream might not have. */
export async function runRoutes<R extends RoutableRoute>(input: RunRoutesInput<R>): Promise<RouteOutcome<R>> {
  let lastError: unknown;
  for (const route of input.routes) {
    const provider = input.registry.get(route.provider);
    if (!provider) continue;
    const started = input.clock();
    try {
      const result = await provider.generate({ ...input.call, upstreamModel: route.model, options: route.options });
      input.attempts.push({ provider: route.provider, model: route.model, outcome: 'success', durationMs: input.clock() - started });
      return { route, result };
    } catch (error) {
      const apiError = asUpstreamError(error, route.provider, input.call.signal);
      input.attempts.push({
        provider: route.provider,
        model: route.model,
        outcome: 'error',
        durationMs: input.clock() - started,
        errorKind: apiError.kind,
        ...(apiError instanceof UpstreamError && apiError.upstreamStatus !== undefined ? { upstreamStatus: apiError.upstreamStatus } : {}),
        message: apiError.message,
      });
      lastError = apiError;
      if (input.call.signal.aborted || !FALLBACK_KINDS.has(apiError.kind)) throw apiError;
    }
  }
  throw lastError ?? new ApiError({ kind: 'unavailable', message: 'No route could serve this model.' });
}

function asUpstreamError(error: unknown, provider: string, signal: AbortSignal): ApiError {
  if (error instanceof UpstreamError) return error;
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
    return new UpstreamError({
      provider,
      kind: timedOut ? 'timeout' : 'upstream_error',
      status: timedOut ? 504 : 499,
      message: timedOut ? `The provider '${provider}' did not answer before the request deadline.` : 'The client closed the request.',
      cause: error,
    });
  }
  // A client error an adapter found in the request itself (it keeps its `param`).
  if (error instanceof ApiError) return error;
  return new UpstreamError({ provider, kind: 'upstream_error', message: `The provider '${provider}' failed unexpectedly.`, cause: error });
}
