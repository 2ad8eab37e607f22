import { abortAfter } from '../domain/abort-after.js';
import { ApiError, type ErrorKind } from '../errors/api-error.js';
import { UpstreamError } from '../errors/upstream-error.js';
import type { ProviderCall, ProviderResult } from '../providers/provider.js';
import type { ProviderRegistry, RegisteredProvider } from '../providers/registry.js';
import type { Attempt } from '../domain/attempt.js';
import { retryDelayMs } from './backoff.js';
import type { CircuitBreakers } from './circuit-breaker.js';
import { routeKey } from './order-routes.js';
import type { RouterState } from './router-state.js';

/** The part of a catalog route the router needs. */
export interface RoutableRoute {
  provider: string;
  model: string;
  options: unknown;
  fallback_on_content_policy: boolean;
  timeout_ms?: number | undefined;
}

export interface RouteOutcome<R extends RoutableRoute> {
  route: R;
  /** One result per call (several when the route gives fewer images per call than wanted). */
  results: ProviderResult[];
}

export interface RunRoutesInput<R extends RoutableRoute> {
  /** Already in the order to try them. */
  routes: R[];
  registry: ProviderRegistry;
  call: Omit<ProviderCall, 'upstreamModel' | 'options' | 'endpoint'>;
  clock: () => number;
  /** Appended to as attempts finish, so the record has them even when everything fails. */
  attempts: Attempt[];
  state: RouterState;
}

/** Timers may fire a few ms before the wall clock reaches the deadline they were set for. */
const DEADLINE_SLACK_MS = 10;

/** Worth another try on the same route, after a pause. */
const RETRYABLE = new Set<ErrorKind>(['rate_limited', 'unavailable', 'timeout', 'upstream_error']);
/** This key can't serve, another key of the same instance might. */
const KEY_PROBLEM = new Set<ErrorKind>(['authentication', 'quota_exceeded', 'permission']);
/** Another route might succeed. Invalid requests and content-policy refusals would fail again. */
const FALLBACK = new Set<ErrorKind>([...RETRYABLE, ...KEY_PROBLEM, 'not_found']);
/** Failures that say the upstream (or this key) is unhealthy: they count against its breaker. */
const BREAKER_FAILURE = new Set<ErrorKind>([...RETRYABLE, ...KEY_PROBLEM]);

/**
 * Tries the routes in order. On each route: retries with backoff for transient errors (honouring
 * Retry-After up to a cap, never past the deadline), moves to the instance's next key on key
 * problems, skips keys whose circuit is open, and fans out when a call yields fewer images than
 * wanted. Falls back to the next route only for kinds another upstream could fix.
 */
export async function runRoutes<R extends RoutableRoute>(input: RunRoutesInput<R>): Promise<RouteOutcome<R>> {
  let lastError: ApiError | undefined;
  for (const route of input.routes) {
    const registered = input.registry.get(route.provider);
    if (!registered) continue;
    try {
      const results = await fanOut(input, route, registered);
      return { route, results };
    } catch (error) {
      const apiError = error instanceof ApiError ? error : toUpstreamError(error, route.provider, input.call.signal);
      lastError = apiError;
      // Past the request deadline no other route can answer in time: an adapter that noticed the
      // deadline a moment before the signal fired must not send the request to the next provider.
      if (input.call.signal.aborted || Date.now() + DEADLINE_SLACK_MS >= input.call.deadline) throw apiError;
      const fallback = FALLBACK.has(apiError.kind) || (apiError.kind === 'content_policy' && route.fallback_on_content_policy);
      if (!fallback) throw apiError;
    }
  }
  if (lastError) throw lastError;
  throw new UpstreamError({
    provider: input.routes[0]?.provider ?? 'none',
    kind: 'unavailable',
    code: 'all_routes_unavailable',
    message: 'Every provider of this model is temporarily unavailable (circuit open after repeated failures). Try again shortly.',
  });
}

/** Calls a route as many times as needed for `n` images, in parallel. Partial success returns what arrived. */
async function fanOut<R extends RoutableRoute>(
  input: RunRoutesInput<R>,
  route: R,
  registered: RegisteredProvider,
): Promise<ProviderResult[]> {
  const perCall = Math.max(1, registered.adapter.maxImagesPerCall?.(route.model, route.options) ?? input.call.n);
  const chunks: number[] = [];
  for (let remaining = input.call.n; remaining > 0; remaining -= perCall) chunks.push(Math.min(perCall, remaining));
  const settled = await Promise.allSettled(chunks.map((n) => attemptRoute(input, route, registered, n)));
  const results = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  if (results.length > 0) return results;
  const firstFailure = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  throw firstFailure?.reason;
}

/** One route's keys as this request walks them: rotated start, keys found bad skipped. */
interface KeyWalk {
  order: number[];
  position: number;
  bad: Set<number>;
}

/**
 * One route until it gives a result or a reason to stop: the next usable key, one call, then on
 * failure another key, a retry after backoff, or the error.
 */
async function attemptRoute<R extends RoutableRoute>(
  input: RunRoutesInput<R>,
  route: R,
  registered: RegisteredProvider,
  n: number,
): Promise<ProviderResult> {
  const { state } = input;
  const instance = registered.instance;
  const keys = await startKeyWalk(state, instance.id, instance.apiKeys.length);
  const breakers = instance.settings['circuit_breaker'] === false ? alwaysClosed : state.breakers;
  const maxRetries = typeof instance.settings['max_retries'] === 'number' ? instance.settings['max_retries'] : state.backoff.maxRetries;
  let retries = 0;
  let lastError: ApiError | undefined;
  for (;;) {
    const keyIndex = await nextUsableKey(keys.order, keys.position, keys.bad, (index) => breakers.tryAcquire(`${instance.id}#${index}`));
    if (keyIndex === undefined) throw lastError ?? circuitOpen(input, route, keys);
    keys.position = keys.order.indexOf(keyIndex);
    const call = await callRoute(input, route, registered, { keyIndex, n, breakers });
    if (call.ok) return call.result;
    lastError = call.error;
    const next = afterFailure(call.error, call.routeTimedOut, keys, keyIndex);
    if (next === 'next_key') continue;
    if (next === 'fail' || retries >= maxRetries) throw call.error;
    retries += 1;
    const delay = retryDelayMs(state.backoff, retries, call.error.retryAfterMs, state.random);
    // The deadline is wall-clock time, like the adapters' own checks.
    if (delay === undefined || Date.now() + delay >= input.call.deadline) throw call.error;
    call.attempt.retryAfterMs = delay;
    await state.sleep(delay, input.call.signal).catch((sleepError: unknown) => {
      throw toUpstreamError(sleepError, route.provider, input.call.signal);
    });
  }
}

async function startKeyWalk(state: RouterState, instanceId: string, keyCount: number): Promise<KeyWalk> {
  const count = Math.max(1, keyCount);
  // One key: nothing to rotate, so no round trip to a shared store.
  const cursor = count === 1 ? 0 : await state.keyRotation.next(instanceId);
  return { order: Array.from({ length: count }, (_, offset) => (cursor + offset) % count), position: 0, bad: new Set() };
}

/** Every key's circuit is open: recorded as a skipped attempt. */
function circuitOpen<R extends RoutableRoute>(input: RunRoutesInput<R>, route: R, keys: KeyWalk): UpstreamError {
  input.attempts.push({
    provider: route.provider,
    model: route.model,
    keyIndex: keys.order[0] ?? 0,
    outcome: 'skipped',
    durationMs: 0,
    errorKind: 'unavailable',
  });
  return new UpstreamError({
    provider: route.provider,
    kind: 'unavailable',
    message: `The provider '${route.provider}' is skipped: its circuit is open after repeated failures.`,
  });
}

type Breakers = Pick<CircuitBreakers, 'tryAcquire' | 'success' | 'failure' | 'release'>;
type CallOutcome = { ok: true; result: ProviderResult } | { ok: false; error: ApiError; attempt: Attempt; routeTimedOut: boolean };

/** One call with one key: the attempt recorded, the breaker told, the error classified. */
async function callRoute<R extends RoutableRoute>(
  input: RunRoutesInput<R>,
  route: R,
  registered: RegisteredProvider,
  { keyIndex, n, breakers }: { keyIndex: number; n: number; breakers: Breakers },
): Promise<CallOutcome> {
  const { call, state } = input;
  const instance = registered.instance;
  const breakerKey = `${instance.id}#${keyIndex}`;
  const started = input.clock();
  const timed = route.timeout_ms ? abortAfter(call.signal, route.timeout_ms) : undefined;
  const signal = timed?.signal ?? call.signal;
  try {
    const endpoint = {
      instance: instance.id,
      baseUrl: instance.baseUrl ?? '',
      apiKey: instance.apiKeys[keyIndex],
      keyIndex,
      settings: instance.settings,
    };
    const result = await registered.adapter.generate({ ...call, n, signal, upstreamModel: route.model, options: route.options, endpoint });
    const durationMs = input.clock() - started;
    await breakers.success(breakerKey);
    await state.latency.record(routeKey(route), durationMs);
    state.health.record(instance.id, { at: input.clock(), durationMs });
    input.attempts.push({
      provider: route.provider,
      model: route.model,
      keyIndex,
      outcome: 'success',
      durationMs,
      ...(result.gpuSeconds === undefined ? {} : { gpuSeconds: result.gpuSeconds }),
    });
    return { ok: true, result };
  } catch (error) {
    const routeTimedOut = !call.signal.aborted && signal.aborted;
    const apiError = routeTimedOut
      ? new UpstreamError({
          provider: route.provider,
          kind: 'timeout',
          message: `The provider '${route.provider}' did not answer within the route's ${route.timeout_ms} ms.`,
        })
      : toUpstreamError(error, route.provider, call.signal);
    const upstreamStatus = apiError instanceof UpstreamError ? apiError.upstreamStatus : undefined;
    const attempt: Attempt = {
      provider: route.provider,
      model: route.model,
      keyIndex,
      outcome: 'error',
      durationMs: input.clock() - started,
      errorKind: apiError.kind,
      ...(upstreamStatus === undefined ? {} : { upstreamStatus }),
      message: apiError.message,
    };
    input.attempts.push(attempt);
    if (!call.signal.aborted) {
      state.health.record(instance.id, {
        at: input.clock(),
        durationMs: attempt.durationMs,
        error: { kind: apiError.kind, message: apiError.message },
      });
    }
    // The client left or the deadline passed: that says nothing about the upstream's health.
    if (call.signal.aborted) await breakers.release(breakerKey);
    else if (BREAKER_FAILURE.has(apiError.kind)) await breakers.failure(breakerKey);
    else await breakers.success(breakerKey);
    if (call.signal.aborted) throw apiError;
    return { ok: false, error: apiError, attempt, routeTimedOut };
  } finally {
    timed?.dispose();
  }
}

/** What a failed call leads to: another key of the instance, a retry on this route, or the end of it. */
function afterFailure(error: ApiError, routeTimedOut: boolean, keys: KeyWalk, keyIndex: number): 'next_key' | 'retry' | 'fail' {
  // Rate limited with another key at hand: use it at once instead of waiting.
  const switchKey = KEY_PROBLEM.has(error.kind) || (error.kind === 'rate_limited' && keys.order.length > keys.bad.size + 1);
  if (switchKey) {
    keys.bad.add(keyIndex);
    keys.position += 1;
    return 'next_key';
  }
  return RETRYABLE.has(error.kind) && !routeTimedOut ? 'retry' : 'fail';
}

const alwaysClosed: Breakers = {
  tryAcquire: async () => true,
  success: async () => undefined,
  failure: async () => undefined,
  release: async () => undefined,
};

async function nextUsableKey(
  order: number[],
  from: number,
  bad: Set<number>,
  acquire: (index: number) => Promise<boolean>,
): Promise<number | undefined> {
  for (let offset = 0; offset < order.length; offset += 1) {
    const index = order[(from + offset) % order.length]!;
    if (!bad.has(index) && (await acquire(index))) return index;
  }
  return undefined;
}

/** Anything an adapter threw that is not ours yet: an abort (deadline or client) or a bug. */
function toUpstreamError(error: unknown, provider: string, signal: AbortSignal): ApiError {
  if (error instanceof ApiError) return error;
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
  return new UpstreamError({ provider, kind: 'upstream_error', message: `The provider '${provider}' failed unexpectedly.`, cause: error });
}
