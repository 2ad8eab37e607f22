import { randomUUID } from 'node:crypto';
import { pricedRoutes, type ResolvedModel, type ResolvedRoute } from '../catalog/resolved-model.js';
import { ApiError } from '../errors/api-error.js';
import { UpstreamError } from '../errors/upstream-error.js';
import type { Attempt } from '../routing/attempt.js';
import { runRoutes } from '../routing/run-routes.js';
import type { ProviderResult } from '../providers/provider.js';
import type { GenerationPorts } from './generation-ports.js';
import type { GenerationWarning, ImageRequest } from './image-request.js';
import { finishImages, type FinishedImage } from './finish-images.js';
import { actualCostMicros, estimateImageMicros, microsToUsd } from './quote-price.js';

export interface GenerationCaller {
  accountId: string;
  apiKeyId: string;
}

export interface GenerateImagesInput {
  request: ImageRequest;
  model: ResolvedModel;
  warnings: GenerationWarning[];
  caller: GenerationCaller;
  /** Aborted when the client goes away or the deadline passes. */
  signal: AbortSignal;
  deadline: number;
  /** When the request arrived (epoch ms): the response's `created` and the start of `latency`. */
  startedAt: number;
}

/** The body of a successful image response, plus what the HTTP layer puts in headers. */
export interface GenerationOutput {
  id: string;
  created: number;
  data: Array<{ url: string } | { b64_json: string }>;
  latency: number;
  cost: number;
  warnings: GenerationWarning[];
  attempts: Attempt[];
}

/** Thrown when a generation fails after it was recorded: carries the attempts for the headers. */
export class GenerationFailure extends Error {
  constructor(
    readonly generationId: string,
    readonly error: ApiError,
    readonly attempts: Attempt[],
  ) {
    super(error.message, { cause: error });
    this.name = 'GenerationFailure';
  }
}

/**
 * The use case: quote → reserve → route → post-process → store → settle → record. Every path
 * out of it leaves one finished generation record and no credit hold.
 */
export async function generateImages(ports: GenerationPorts, input: GenerateImagesInput): Promise<GenerationOutput> {
  const { request, model, caller } = input;
  const routes = routableRoutes(model, ports);
  const priceContext = { size: request.size, quality: request.quality };
  // Reserve the dearest route's price: a fallback may land there.
  const reservedMicros = Math.max(...routes.map((route) => estimateImageMicros(route.pricingMicros, priceContext))) * request.n;
  const id = randomUUID();
  const attempts: Attempt[] = [];
  await ports.records.start({
    id,
    accountId: caller.accountId,
    apiKeyId: caller.apiKeyId,
    request,
    reservedMicros,
    createdAt: input.startedAt,
  });

  const reserved = await ports.records.reserve({ accountId: caller.accountId, generationId: id, amountMicros: reservedMicros });
  if (!reserved) {
    const error = new ApiError({
      kind: 'insufficient_credits',
      code: 'insufficient_credits',
      message: `Insufficient credits: this request needs $${microsToUsd(reservedMicros).toFixed(6).replace(/0+$/, '0')} and the account's balance is lower. Ask your operator for more credits.`,
    });
    await ports.records.fail({ id, model: model.id, error, attempts, finishedAt: ports.clock() });
    throw new GenerationFailure(id, error, attempts);
  }

  try {
    const { route, results } = await generateAll(ports, input, routes, attempts);
    const providerImages = results.flatMap((result) => result.images);
    const images = await finishImages(ports, {
      images: providerImages.slice(0, request.n),
      outputFormat: request.outputFormat,
      provider: route.provider,
      signal: input.signal,
    });
    const costMicros = Math.min(actualCostMicros(route.pricingMicros, priceContext, images.length, results), reservedMicros);
    const stored = request.responseFormat === 'b64_ephemeral' ? [] : await ports.storeImages(id, images);
    const finishedAt = ports.clock();
    const warnings = [...input.warnings, ...results.flatMap((result) => result.warnings)];
    await ports.records.succeed({
      id,
      model: model.id,
      accountId: caller.accountId,
      reservedMicros,
      costMicros,
      provider: route.provider,
      route: `${route.provider}:${route.model}`,
      latencyMs: finishedAt - input.startedAt,
      imageCount: images.length,
      outputIds: stored.map((image) => image.key),
      warnings,
      attempts,
      finishedAt,
    });
    return {
      id,
      created: input.startedAt,
      data: responseData(request, images, stored),
      latency: finishedAt - input.startedAt,
      cost: microsToUsd(costMicros),
      warnings,
      attempts,
    };
  } catch (error) {
    const apiError = error instanceof ApiError ? error : new ApiError({ kind: 'internal', message: 'Internal server error', cause: error });
    await ports.records.release({ accountId: caller.accountId, generationId: id, reservedMicros });
    await ports.records.fail({ id, model: model.id, error: apiError, attempts, finishedAt: ports.clock() });
    throw new GenerationFailure(id, apiError, attempts);
  }
}

type PricedRoute = Extract<ResolvedRoute, { priced: true }>;

/** Routes whose provider is configured and that have a price (a model with no price is never free by accident). */
function routableRoutes(model: ResolvedModel, ports: GenerationPorts): PricedRoute[] {
  const routes = pricedRoutes(model)
    .filter((route) => ports.registry.get(route.provider))
    .sort((a, b) => a.priority - b.priority);
  if (routes.length === 0) {
    const providers = [...new Set(model.routes.map((route) => route.provider))];
    throw new ApiError({
      kind: 'unavailable',
      code: 'model_unavailable',
      message: `The model '${model.id}' is not available on this gateway: none of its providers (${providers.join(', ') || 'none'}) is configured.`,
    });
  }
  return routes;
}

/** Calls until `n` images arrived: routes that give one image per call are fanned out. */
async function generateAll(ports: GenerationPorts, input: GenerateImagesInput, routes: PricedRoute[], attempts: Attempt[]) {
  const results: ProviderResult[] = [];
  let delivered = 0;
  let route: PricedRoute | undefined;
  while (delivered < input.request.n) {
    const outcome = await runRoutes({
      routes: route ? [route, ...routes.filter((candidate) => candidate !== route)] : routes,
      registry: ports.registry,
      call: {
        request: input.request,
        n: input.request.n - delivered,
        signal: input.signal,
        deadline: input.deadline,
        endpoint: { instance: 'test', baseUrl: 'local:', apiKey: undefined, keyIndex: 0, settings: {} },
      },
      clock: ports.clock,
      attempts,
    });
    if (outcome.result.images.length === 0) {
      throw new UpstreamError({ provider: outcome.route.provider, kind: 'upstream_error', message: `The provider '${outcome.route.provider}' returned no image.` });
    }
    route = outcome.route;
    results.push(outcome.result);
    delivered += outcome.result.images.length;
  }
  if (!route) throw new ApiError({ kind: 'internal', message: 'No route answered.' });
  return { route, results };
}

function responseData(request: ImageRequest, images: FinishedImage[], stored: Array<{ url: string }>) {
  if (request.responseFormat === 'url') return stored.map((image) => ({ url: image.url }));
  return images.map((image) => ({ b64_json: image.bytes.toString('base64') }));
}
