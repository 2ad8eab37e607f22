import type { ImageRequest } from '../../src/domain/image-request.js';
import type { ProviderCall, ProviderEndpoint } from '../../src/providers/provider.js';

/**
 * What a test may change in a `providerCall`. `request` and `endpoint` are merged onto the defaults
 * field by field (an explicit `undefined` there counts: `prompt: undefined`, `apiKey: undefined`);
 * the other call fields replace the defaults, and leaving one out or `undefined` keeps the default.
 */
export type ProviderCallOverrides = Partial<Omit<ProviderCall, 'request' | 'endpoint'>> & {
  request?: Partial<ImageRequest>;
  endpoint?: Partial<ProviderEndpoint>;
};

/** A validated client request: text to image, one PNG, `auto` everything, unless overridden. */
export function imageRequest(overrides: Partial<ImageRequest> = {}): ImageRequest {
  return {
    model: 'test/model',
    prompt: 'a lighthouse on a cliff',
    quality: 'auto',
    size: 'auto',
    n: 1,
    responseFormat: 'b64_json',
    outputFormat: 'png',
    images: [],
    mask: undefined,
    extra: {},
    ...overrides,
  };
}

/**
 * A call as the router hands it to an adapter: `imageRequest()` defaults, `n` following `request.n`
 * unless given, a signal that never aborts, a deadline a minute away, no route options and a test
 * endpoint with one key.
 */
export function providerCall(overrides: ProviderCallOverrides = {}): ProviderCall {
  const request = imageRequest(overrides.request);
  return {
    request,
    upstreamModel: overrides.upstreamModel ?? 'upstream-model',
    n: overrides.n ?? request.n,
    signal: overrides.signal ?? new AbortController().signal,
    deadline: overrides.deadline ?? Date.now() + 60_000,
    options: overrides.options ?? {},
    endpoint: { instance: 'test', baseUrl: 'http://127.0.0.1:1', apiKey: 'test-key', keyIndex: 0, settings: {}, ...overrides.endpoint },
  };
}

/** A signal that aborts after `ms` and the deadline at the same moment: a bound for calls to a fake that may hang. */
export function timeLimit(ms: number): Pick<ProviderCall, 'signal' | 'deadline'> {
  return { signal: AbortSignal.timeout(ms), deadline: Date.now() + ms };
}
