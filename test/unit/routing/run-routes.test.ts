import { describe, expect, it } from 'vitest';
import type { ErrorKind } from '../../../src/errors/api-error.js';
import { UpstreamError } from '../../../src/errors/upstream-error.js';
import type { ImageProvider, ProviderCall, ProviderResult } from '../../../src/providers/provider.js';
import type { ProviderInstance } from '../../../src/providers/provider-instances.js';
import { createProviderRegistry } from '../../../src/providers/registry.js';
import type { Attempt } from '../../../src/domain/attempt.js';
import { createRouterState } from '../../../src/routing/router-state.js';
import { runRoutes, type RoutableRoute } from '../../../src/routing/run-routes.js';
import { imageRequest } from '../../helpers/provider-call.js';

type Step = 'ok' | { kind: ErrorKind; status: number; retryAfterMs?: number } | { hangMs: number };

/** An adapter that plays a script per instance, recording which key each call used. */
function scriptedAdapter(
  scripts: Record<string, Step[]>,
  calls: Array<{ instance: string; keyIndex: number; apiKey: string | undefined; n: number }>,
  perCall?: number,
): ImageProvider {
  return {
    id: 'scripted',
    ...(perCall ? { maxImagesPerCall: () => perCall } : {}),
    async generate(call: ProviderCall): Promise<ProviderResult> {
      calls.push({ instance: call.endpoint.instance, keyIndex: call.endpoint.keyIndex, apiKey: call.endpoint.apiKey, n: call.n });
      const step = scripts[call.endpoint.instance]?.shift() ?? 'ok';
      if (step === 'ok')
        return {
          images: Array.from({ length: call.n }, () => ({ url: `https://cdn.example/${call.endpoint.instance}.png` })),
          warnings: [],
        };
      if ('hangMs' in step) {
        await new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, step.hangMs);
          call.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(call.signal.reason as Error);
          });
        });
        return { images: [{ url: 'https://cdn.example/late.png' }], warnings: [] };
      }
      throw new UpstreamError({
        provider: call.endpoint.instance,
        kind: step.kind,
        upstreamStatus: step.status,
        message: `scripted ${step.status}`,
        ...(step.retryAfterMs === undefined ? {} : { retryAfterMs: step.retryAfterMs }),
      });
    },
  };
}

const instance = (id: string, apiKeys = ['key-a']): ProviderInstance => ({
  id,
  adapter: 'scripted',
  title: id,
  baseUrl: `https://${id}.example`,
  apiKeys,
  settings: {},
  configured: true,
  missing: undefined,
  keyVariables: [],
  baseUrlVariable: '',
});

const route = (provider: string, extra: Partial<RoutableRoute> = {}): RoutableRoute => ({
  provider,
  model: `${provider}-model`,
  options: {},
  fallback_on_content_policy: false,
  ...extra,
});

const request = imageRequest({ model: 'm/x', prompt: 'p', responseFormat: 'url' });

function setup(
  scripts: Record<string, Step[]>,
  instances: ProviderInstance[],
  options: { perCall?: number; now?: { value: number }; breakerThreshold?: number } = {},
) {
  const calls: Array<{ instance: string; keyIndex: number; apiKey: string | undefined; n: number }> = [];
  const now = options.now ?? { value: Date.now() };
  const sleeps: number[] = [];
  const state = createRouterState({
    clock: () => now.value,
    random: () => 0.5,
    breaker: { failureThreshold: options.breakerThreshold ?? 2, openMs: 1_000 },
  });
  state.sleep = async (ms) => {
    sleeps.push(ms);
  };
  const registry = createProviderRegistry([scriptedAdapter(scripts, calls, options.perCall)], instances);
  const run = (routes: RoutableRoute[], overrides: { n?: number; signal?: AbortSignal; deadline?: number } = {}) => {
    const attempts: Attempt[] = [];
    const promise = runRoutes({
      routes,
      registry,
      call: {
        request,
        n: overrides.n ?? 1,
        signal: overrides.signal ?? new AbortController().signal,
        deadline: overrides.deadline ?? Date.now() + 60_000,
      },
      clock: () => Date.now(),
      attempts,
      state,
    });
    return { promise, attempts };
  };
  return { run, calls, sleeps, state, now };
}

describe('runRoutes', () => {
  it('retries a 429 once, honouring Retry-After, and succeeds', async () => {
    const { run, calls, sleeps } = setup({ a: [{ kind: 'rate_limited', status: 429, retryAfterMs: 2_000 }, 'ok'] }, [instance('a')]);
    const { promise, attempts } = run([route('a'), route('b')]);
    const outcome = await promise;
    expect(outcome.route.provider).toBe('a');
    expect(calls.map((call) => call.instance)).toEqual(['a', 'a']);
    expect(sleeps).toEqual([2_000]);
    expect(attempts.map((attempt) => [attempt.outcome, attempt.upstreamStatus, attempt.retryAfterMs])).toEqual([
      ['error', 429, 2_000],
      ['success', undefined, undefined],
    ]);
  });

  it('moves on to the next route when Retry-After is beyond the cap', async () => {
    const { run, calls, sleeps } = setup({ a: [{ kind: 'rate_limited', status: 429, retryAfterMs: 60_000 }] }, [
      instance('a'),
      instance('b'),
    ]);
    const outcome = await run([route('a'), route('b')]).promise;
    expect(outcome.route.provider).toBe('b');
    expect(calls.map((call) => call.instance)).toEqual(['a', 'b']);
    expect(sleeps).toEqual([]);
  });

  it('falls back from a failing route A to route B after its retries', async () => {
    const fail = { kind: 'upstream_error' as const, status: 500 };
    const { run, calls } = setup({ a: [fail, fail, fail] }, [instance('a'), instance('b')], { breakerThreshold: 5 });
    const { promise, attempts } = run([route('a'), route('b')]);
    expect((await promise).route.provider).toBe('b');
    expect(calls.map((call) => call.instance)).toEqual(['a', 'a', 'a', 'b']);
    expect(attempts.map((attempt) => `${attempt.provider}:${attempt.outcome}`)).toEqual(['a:error', 'a:error', 'a:error', 'b:success']);
  });

  it('returns a content-policy refusal without trying B, unless the route opts in', async () => {
    const refusal = { kind: 'content_policy' as const, status: 400 };
    const { run, calls } = setup({ a: [refusal, refusal] }, [instance('a'), instance('b')]);
    const error = await run([route('a'), route('b')]).promise.catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: 'content_policy', status: 400 });
    expect(calls.map((call) => call.instance)).toEqual(['a']);
    const optedIn = await run([route('a', { fallback_on_content_policy: true }), route('b')]).promise;
    expect(optedIn.route.provider).toBe('b');
  });

  it('never retries or falls back on an invalid request', async () => {
    const { run, calls } = setup({ a: [{ kind: 'invalid_request', status: 400 }] }, [instance('a'), instance('b')]);
    await expect(run([route('a'), route('b')]).promise).rejects.toMatchObject({ kind: 'invalid_request' });
    expect(calls).toHaveLength(1);
  });

  it('fails over between the keys of one instance on auth and rate-limit errors', async () => {
    const { run, calls } = setup({ a: [{ kind: 'authentication', status: 401 }, { kind: 'rate_limited', status: 429 }, 'ok'] }, [
      instance('a', ['k0', 'k1', 'k2']),
    ]);
    const outcome = await run([route('a')]).promise;
    expect(outcome.route.provider).toBe('a');
    expect(new Set(calls.map((call) => call.apiKey)).size).toBe(3);
  });

  it('spreads successive requests over the keys', async () => {
    const { run, calls } = setup({}, [instance('a', ['k0', 'k1'])]);
    await run([route('a')]).promise;
    await run([route('a')]).promise;
    expect(calls.map((call) => call.apiKey)).toEqual(['k0', 'k1']);
  });

  it('abandons a route past its own timeout and falls back', async () => {
    const { run, calls } = setup({ a: [{ hangMs: 5_000 }] }, [instance('a'), instance('b')]);
    const outcome = await run([route('a', { timeout_ms: 100 }), route('b')]).promise;
    expect(outcome.route.provider).toBe('b');
    expect(calls.map((call) => call.instance)).toEqual(['a', 'b']);
  });

  it('stops at the request deadline with a 504 naming the provider', async () => {
    const { run } = setup({ a: [{ hangMs: 5_000 }] }, [instance('a'), instance('b')]);
    const error = await run([route('a'), route('b')], { signal: AbortSignal.timeout(150) }).promise.catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: 'timeout', status: 504 });
    expect((error as Error).message).toContain("'a'");
  });

  it('skips an open circuit and lets a trial call through after the cool-down', async () => {
    const now = { value: 1_000_000 };
    const fail = { kind: 'unavailable' as const, status: 503 };
    const { run, calls, state } = setup({ a: [fail, fail] }, [instance('a'), instance('b')], { now });
    state.backoff.maxRetries = 0;
    await run([route('a'), route('b')]).promise; // a fails (1), b serves
    await run([route('a'), route('b')]).promise; // a fails (2): circuit opens
    expect(await state.breakers.state('a#0')).toBe('open');
    calls.length = 0;
    const { promise, attempts } = run([route('a'), route('b')]);
    expect((await promise).route.provider).toBe('b');
    expect(calls.map((call) => call.instance)).toEqual(['b']);
    expect(attempts[0]).toMatchObject({ provider: 'a', outcome: 'skipped' });

    now.value += 1_000; // cool-down over: one trial goes to a, and it works
    calls.length = 0;
    const recovered = await run([route('a'), route('b')]).promise;
    expect(recovered.route.provider).toBe('a');
    expect(await state.breakers.state('a#0')).toBe('closed');
  });

  it('fans out when a route yields fewer images per call than wanted', async () => {
    const { run, calls } = setup({}, [instance('a')], { perCall: 1 });
    const outcome = await run([route('a')], { n: 3 }).promise;
    expect(outcome.results.flatMap((result) => result.images)).toHaveLength(3);
    expect(calls.map((call) => call.n)).toEqual([1, 1, 1]);
  });

  it('answers 503 when every circuit is open', async () => {
    const now = { value: 5_000_000 };
    const { run, state } = setup({}, [instance('a')], { now });
    await state.breakers.failure('a#0');
    await state.breakers.failure('a#0');
    await expect(run([route('a')]).promise).rejects.toMatchObject({ kind: 'unavailable', status: 503 });
  });
});

describe('a breaker opening during retries', () => {
  it('stops retrying the route and falls back', async () => {
    const fail = { kind: 'upstream_error' as const, status: 500 };
    const { run, calls } = setup({ a: [fail, fail, fail] }, [instance('a'), instance('b')], { breakerThreshold: 2 });
    expect((await run([route('a'), route('b')]).promise).route.provider).toBe('b');
    expect(calls.map((call) => call.instance)).toEqual(['a', 'a', 'b']);
  });
});
