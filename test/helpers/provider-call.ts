import type { ProviderInstance } from '../../src/providers/provider-instances.js';
import type { ImageRequest } from '../../src/domain/image-request.js';
import type { InstanceSettings, ProviderCall, ProviderEndpoint } from '../../src/providers/provider.js';
import type { ProviderDefinition } from '../../src/providers/provider-definition.js';
import { catalogRouteOptions } from './catalog-route-options.js';

/** Route options as written in YAML, before a provider's schema parses them. */
type RawOptions = Record<string, unknown>;

/**
 * What a test may change in a `providerCall`. `request` and `endpoint` are merged onto the defaults
 * field by field (an explicit `undefined` there counts: `prompt: undefined`, `apiKey: undefined`);
 * the other call fields replace the defaults, and leaving one out or `undefined` keeps the default.
 */
export type ProviderCallOverrides<Options = RawOptions, Settings = InstanceSettings> = Partial<
  Omit<ProviderCall<Options, Settings>, 'request' | 'endpoint'>
> & {
  request?: Partial<ImageRequest>;
  endpoint?: Partial<ProviderEndpoint<Settings>>;
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
export function providerCall(overrides: ProviderCallOverrides = {}): ProviderCall<RawOptions> {
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

/**
 * A call as the router hands it to a typed adapter after boot: the raw route `options` and instance
 * `settings` of `overrides` parsed by the provider's own schemas (a bad one throws, as at boot).
 */
export function parsedCall<Options, Settings>(
  provider: ProviderDefinition<Options, Settings>,
  overrides: ProviderCallOverrides = {},
): ProviderCall<Options, Settings> {
  return parseCall(provider, providerCall(overrides));
}

/** A raw call (options and settings as written in YAML) as its provider's schemas parse it at boot. */
export function parseCall<Options, Settings>(
  provider: ProviderDefinition<Options, Settings>,
  call: ProviderCall<RawOptions>,
): ProviderCall<Options, Settings> {
  return {
    ...call,
    options: provider.routeOptions.parse(call.options),
    endpoint: { ...call.endpoint, settings: provider.settings.parse(call.endpoint.settings) },
  };
}

/**
 * `parsedCall` with the options of the built-in catalog route to `upstreamModel` on this provider,
 * `overrides.options` merged over them: tests call an endpoint with exactly what the YAML says of it.
 */
export function catalogCall<Options, Settings>(
  provider: ProviderDefinition<Options, Settings>,
  upstreamModel: string,
  overrides: ProviderCallOverrides = {},
): ProviderCall<Options, Settings> {
  return parsedCall(provider, {
    ...overrides,
    upstreamModel,
    options: { ...catalogRouteOptions(provider, upstreamModel), ...overrides.options },
  });
}

/** A configured provider instance whose adapter id is its own id, for tests with scripted adapters. */
export const configuredInstance = (id: string): ProviderInstance => ({
  id,
  adapter: id,
  title: id,
  baseUrl: `https://${id}.example`,
  apiKeys: ['k'],
  settings: {},
  configured: true,
  missing: undefined,
  keyVariables: [],
  baseUrlVariable: '',
});
