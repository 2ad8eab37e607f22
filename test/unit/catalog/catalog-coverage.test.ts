import { describe, expect, it } from 'vitest';
import { defaultOutputFormat } from '../../../src/generation/check-capabilities.js';
import { bindRouteOptions } from '../../../src/catalog/bind-route-options.js';
import { loadCatalog } from '../../../src/catalog/load-catalog.js';
import { modelLifecycle } from '../../../src/catalog/model-lifecycle.js';
import type { ResolvedModel, ResolvedRoute } from '../../../src/catalog/resolved-model.js';
import { ApiError } from '../../../src/errors/api-error.js';
import type { ImageSize, InputImage, Quality } from '../../../src/domain/image-request.js';
import { automatic1111Provider } from '../../../src/providers/automatic1111/automatic1111-provider.js';
import { buildAutomatic1111Request } from '../../../src/providers/automatic1111/automatic1111-request.js';
import { comfyuiProvider } from '../../../src/providers/comfyui/comfyui-provider.js';
import { buildComfyuiRequest } from '../../../src/providers/comfyui/comfyui-request.js';
import { bflProvider } from '../../../src/providers/bfl/bfl-provider.js';
import { buildBflRequest } from '../../../src/providers/bfl/bfl-request.js';
import { falProvider } from '../../../src/providers/fal/fal-provider.js';
import { buildFalSubmitRequest, falEndpointFor } from '../../../src/providers/fal/fal-request.js';
import { geminiProvider } from '../../../src/providers/gemini/gemini-provider.js';
import { buildGeminiRequest } from '../../../src/providers/gemini/gemini-request.js';
import { ideogramProvider } from '../../../src/providers/ideogram/ideogram-provider.js';
import { buildIdeogramRequest } from '../../../src/providers/ideogram/ideogram-request.js';
import { recraftProvider } from '../../../src/providers/recraft/recraft-provider.js';
import { buildRecraftRequest } from '../../../src/providers/recraft/recraft-request.js';
import { imagenProvider } from '../../../src/providers/imagen/imagen-provider.js';
import { buildImagenRequest } from '../../../src/providers/imagen/imagen-request.js';
import { openAICompatibleProvider } from '../../../src/providers/openai-compatible/openai-compatible-provider.js';
import { buildOpenAICompatibleRequest } from '../../../src/providers/openai-compatible/openai-compatible-request.js';
import { openAIProvider } from '../../../src/providers/openai/openai-provider.js';
import { buildOpenAIRequest } from '../../../src/providers/openai/openai-request.js';
import { openRouterProvider } from '../../../src/providers/openrouter/openrouter-provider.js';
import { buildOpenRouterRequest } from '../../../src/providers/openrouter/openrouter-request.js';
import { createBuiltInAdapters } from '../../../src/providers/built-in-providers.js';
import type { ProviderCall } from '../../../src/providers/provider.js';
import type { ProviderDefinition } from '../../../src/providers/provider-definition.js';
import { resolveProviderInstances, type ProviderInstance } from '../../../src/providers/provider-instances.js';
import { createProviderRegistry } from '../../../src/providers/registry.js';
import { runwareProvider } from '../../../src/providers/runware/runware-provider.js';
import { buildRunwareRequest } from '../../../src/providers/runware/runware-request.js';
import { buildReplicateRequest } from '../../../src/providers/replicate/replicate-request.js';
import { replicateProvider } from '../../../src/providers/replicate/replicate-provider.js';
import { resolveReplicateRoute } from '../../../src/providers/replicate/replicate-route-options.js';
import { stabilityProvider } from '../../../src/providers/stability/stability-provider.js';
import { buildStabilityRequest } from '../../../src/providers/stability/stability-request.js';
import { yamlOptions } from '../../helpers/catalog-route-options.js';
import { providerCall } from '../../helpers/provider-call.js';

/**
 * The built-in catalog as shipped: big enough to be useful, every active model complete, and every
 * route one its adapter can really call. The last part builds a text-to-image request for each
 * route with the adapter's pure request builder (no network), its options parsed by the provider's
 * schema as at boot: an upstream model name or a route option the adapter can't use fails there
 * (`provider_misconfigured`, a strict route-options schema), not at the first paying request. Edit-only endpoints (Fill,
 * Qwen-Image-Edit) are built with the one-image request they serve.
 */
const instances = resolveProviderInstances({}, undefined);
const catalog = loadCatalog();
const models = catalog.all();
const activeModels = models.filter((model) => model.status === 'active' && !model.output.includes('video'));
const definitions = new Map(instances.map((instance) => [instance.id, instance]));

/** Builds from a call carrying the route's options as written in YAML. */
type Builder = (call: ProviderCall<Record<string, unknown>>) => unknown;

/** A builder of a typed adapter: options and settings are parsed by the provider's schemas first, as at boot. */
function typed<Options, Settings>(
  provider: ProviderDefinition<Options, Settings>,
  build: (call: ProviderCall<Options, Settings>) => unknown,
): Builder {
  return (call) =>
    build({
      ...call,
      options: provider.routeOptions.parse(call.options),
      endpoint: { ...call.endpoint, settings: provider.settings.parse(call.endpoint.settings) },
    });
}

/** Text-to-image request builders by adapter id; `test` renders locally and has none. */
const BUILDERS: Readonly<Record<string, Builder>> = {
  openai: typed(openAIProvider, (call) => buildOpenAIRequest(call)),
  gemini: typed(geminiProvider, (call) => buildGeminiRequest(call, [])),
  imagen: typed(imagenProvider, (call) => buildImagenRequest(call, call.n)),
  bfl: typed(bflProvider, (call) => buildBflRequest(call, { images: [], mask: undefined })),
  fal: typed(falProvider, (call) => {
    const { model: endpointId, profile } = falEndpointFor(call);
    return buildFalSubmitRequest({ call, endpointId, profile, images: [], mask: undefined });
  }),
  replicate: typed(replicateProvider, (call) =>
    buildReplicateRequest(call, resolveReplicateRoute(call.options, call.endpoint.settings), {}, Date.now()),
  ),
  ideogram: typed(ideogramProvider, (call) => buildIdeogramRequest(call)),
  recraft: typed(recraftProvider, (call) => buildRecraftRequest(call)),
  'openai-compatible': typed(openAICompatibleProvider, (call) => buildOpenAICompatibleRequest(call, { images: [], mask: undefined })),
  automatic1111: typed(automatic1111Provider, (call) => buildAutomatic1111Request(call, { image: undefined, mask: undefined }, call.n)),
  stability: typed(stabilityProvider, (call) => buildStabilityRequest(call)),
  openrouter: typed(openRouterProvider, (call) => buildOpenRouterRequest(call)),
  runware: typed(runwareProvider, (call) =>
    buildRunwareRequest(call, { images: [], mask: undefined }, call.n, '00000000-0000-4000-8000-000000000000'),
  ),
  comfyui: typed(comfyuiProvider, (call) =>
    buildComfyuiRequest(call, { image: undefined, mask: undefined, imageSize: undefined }, call.n, {
      promptId: 'p',
      clientId: 'c',
      randomSeed: 1,
    }),
  ),
};
const LOCAL_ADAPTERS: ReadonlySet<string> = new Set(['test']);

/** An input image as the adapters receive it; the pure builders only re-encode the bytes. */
const INPUT_IMAGE: InputImage = {
  bytes: Buffer.from('not decoded by the builders'),
  format: 'png',
  width: 1024,
  height: 1024,
  hasAlpha: true,
};

/**
 * Edit requests (one input image), for routes whose endpoint edits only: such an endpoint answers
 * a text-to-image request with a 400 naming `image[]`, which is right, so its route is checked with
 * the request it does serve.
 */
const EDIT_BUILDERS: Readonly<Record<string, Builder>> = {
  bfl: typed(bflProvider, (call) => buildBflRequest(call, { images: [{ ...INPUT_IMAGE }], mask: undefined })),
  fal: typed(falProvider, (call) => {
    const { model: endpointId, profile } = falEndpointFor(call);
    return buildFalSubmitRequest({ call, endpointId, profile, images: [{ ...INPUT_IMAGE }], mask: undefined });
  }),
  replicate: typed(replicateProvider, (call) =>
    buildReplicateRequest(call, resolveReplicateRoute(call.options, call.endpoint.settings), { image: INPUT_IMAGE }, Date.now()),
  ),
  'openai-compatible': typed(openAICompatibleProvider, (call) =>
    buildOpenAICompatibleRequest(call, { images: [INPUT_IMAGE], mask: undefined }),
  ),
  // Search-and-replace needs what to find, as its requests always carry.
  stability: typed(stabilityProvider, (call) =>
    buildStabilityRequest(
      { ...call, request: { ...call.request, extra: { search_prompt: 'the lighthouse', ...call.request.extra } } },
      { images: [{ ...INPUT_IMAGE }], mask: undefined },
    ),
  ),
};

/** The 400 an edit-only endpoint gives a request without an image. */
function needsAnImage(error: unknown): boolean {
  return error instanceof ApiError && error.kind === 'invalid_request' && error.param === 'image[]';
}

function textToImageCall(
  model: ResolvedModel,
  route: ResolvedRoute,
  definition: ProviderInstance,
  size: ImageSize | 'auto',
  quality: Quality,
): ProviderCall<Record<string, unknown>> {
  return providerCall({
    // The format a request naming none gets: SVG for a vector model, WebP for the rest.
    request: {
      model: model.id,
      prompt: 'a lighthouse on a cliff at dawn',
      quality,
      size,
      outputFormat: defaultOutputFormat(model.capabilities),
    },
    upstreamModel: route.model,
    signal: AbortSignal.timeout(10_000),
    options: yamlOptions(route),
    endpoint: {
      instance: route.provider,
      baseUrl: definition.baseUrl ?? 'http://upstream.invalid/v1',
      apiKey: 'catalog-coverage-test-key',
      settings: definition.settings,
    },
  });
}

/** `auto`, every listed size, and one plain size for models that take any size in a range. */
function sizesToTry(model: ResolvedModel): Array<ImageSize | 'auto'> {
  const { sizes, size_range: range } = model.capabilities;
  const listed = (sizes ?? []).filter((size) => size !== 'auto').map(parseSize);
  if (sizes === undefined && range.min <= 1024 && range.max >= 1024) listed.push({ width: 1024, height: 1024 });
  return ['auto', ...listed];
}

function parseSize(text: string): ImageSize {
  const [width = 0, height = 0] = text.split('x').map(Number);
  return { width, height };
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const kind = (error as { kind?: unknown }).kind;
  return `${error.name}${kind === undefined ? '' : ` ${String(kind)}`}${code === undefined ? '' : ` (${String(code)})`}: ${error.message}`;
}

describe('the built-in catalog', () => {
  it('holds well over 80 image models', () => {
    expect(models.length).toBeGreaterThanOrEqual(90);
    expect(models.every((model) => model.output.includes('image'))).toBe(true);
  });

  it('serves at least 80 image models today, retired ones (by status or by a past retires_on) not counted', () => {
    const now = Date.now();
    const servedToday = models.filter((model) => model.output.includes('image') && modelLifecycle(model, now).state !== 'retired');
    expect(servedToday.length, servedToday.map((model) => model.id).join(', ')).toBeGreaterThanOrEqual(80);
  });

  it('has at least 40 active models with a priced route', () => {
    const servable = activeModels.filter((model) => model.routes.some((route) => route.priced));
    expect(servable.length, servable.map((model) => model.id).join(', ')).toBeGreaterThanOrEqual(40);
  });

  it('gives every active model a release date, capabilities and a route to a known provider instance', () => {
    const problems: string[] = [];
    for (const model of activeModels) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(model.release_date)) problems.push(`${model.id}: release_date '${model.release_date}'`);
      if (model.capabilities.max_n < 1 || model.capabilities.qualities.length === 0) problems.push(`${model.id}: incomplete capabilities`);
      if (model.routes.length === 0) problems.push(`${model.id}: no route`);
      for (const route of model.routes) {
        if (!definitions.has(route.provider)) problems.push(`${model.id}: unknown provider instance '${route.provider}'`);
      }
      if (!model.self_test && !model.routes.some((route) => route.priced)) problems.push(`${model.id}: no priced route`);
    }
    expect(problems).toEqual([]);
  });

  it('gives every route options its adapter parses, as the boot does', () => {
    expect(() => bindRouteOptions(catalog, createProviderRegistry(createBuiltInAdapters(), instances))).not.toThrow();
  });

  it('names each id and alias once', () => {
    const names = models.flatMap((model) => [model.id, ...model.aliases]);
    expect(names.length).toBe(new Set(names).size);
  });
});

const routeCases = activeModels.flatMap((model) =>
  model.routes.map((route, index) => [`${model.id} → ${route.provider}:${route.model} (#${index})`, model, route] as const),
);

describe('every active route builds a text-to-image request with its adapter', () => {
  it('has routes to check', () => {
    expect(routeCases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(routeCases)('%s', (_name, model, route) => {
    const definition = definitions.get(route.provider);
    expect(definition, `no provider instance '${route.provider}'`).toBeDefined();
    if (!definition) return;
    if (LOCAL_ADAPTERS.has(definition.adapter)) return;
    const build = BUILDERS[definition.adapter];
    expect(build, `no request builder known for adapter '${definition.adapter}'`).toBeDefined();
    if (!build) return;

    const failures: string[] = [];
    const attempts: Array<[ImageSize | 'auto', Quality]> = [
      ...sizesToTry(model).map((size) => [size, 'auto'] as [ImageSize | 'auto', Quality]),
      ...model.capabilities.qualities
        .filter((quality) => quality !== 'auto')
        .map((quality) => ['auto', quality] as [ImageSize | 'auto', Quality]),
    ];
    for (const [size, quality] of attempts) {
      try {
        try {
          build(textToImageCall(model, route, definition, size, quality));
        } catch (error) {
          const buildEdit = EDIT_BUILDERS[definition.adapter];
          if (!needsAnImage(error) || !model.capabilities.edit || !buildEdit) throw error;
          const call = textToImageCall(model, route, definition, size, quality);
          buildEdit({ ...call, request: { ...call.request, images: [INPUT_IMAGE] } });
        }
      } catch (error) {
        const sizeText = size === 'auto' ? 'auto' : `${size.width}x${size.height}`;
        failures.push(`size ${sizeText}, quality ${quality}: ${describeError(error)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
