import { randomUUID } from 'node:crypto';
import { pricedRoutes, type ResolvedModel, type ResolvedRoute } from '../catalog/resolved-model.js';
import { ApiError } from '../errors/api-error.js';
import { UpstreamError } from '../errors/upstream-error.js';
import type { Attempt } from '../domain/attempt.js';
import { orderRoutes } from '../routing/order-routes.js';
import { runRoutes } from '../routing/run-routes.js';
import { formatUsd, microsToUsd } from '../domain/money.js';
import type { ProviderResult } from '../providers/provider.js';
import type { GenerationPorts } from './generation-ports.js';
import type { GenerationWarning, ImageRequest } from '../domain/image-request.js';
import { finishImages } from './finish-images.js';
import { finishedImageBase64, type FinishedImage } from '../domain/finished-image.js';
import { actualCostMicros, estimateImageMicros } from './quote-price.js';


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
  /** Called once the generation is recorded and its credits are held (async mode answers 202 then). */
  onRecorded?: (generationId: string) => void;
}

/** The body of a successful image response, plus what the HTTP layer puts in headers. */
export interface GenerationOutput {
  id: string;
  created: number;
  /** `b64_json` is base64 TEXT as bytes: serialised into the body without becoming a JS string. */
  data: Array<{ url: string } | { b64_json: Buffer }>;
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
  const priceContext = { size: request.size, quality: request.quality };
  const routes = orderRoutes({
    routes: routableRoutes(model, ports),
    strategy: model.routing.strategy,
    priceOf: (route) => estimateImageMicros(route.pricingMicros, priceContext),
    latency: ports.router.latency,
    random: ports.router.random,
  });
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

  const reserved = await ports.records.reserve({ accountId: caller.accountId, generationId: id, amountMicros: reservedMicros }).catch(async (error: unknown) => {
    // The reserve is one transaction: when it throws, nothing is held, but the record must not stay `processing`.
    const apiError = new ApiError({ kind: 'internal', message: 'Internal server error', cause: error });
    await ports.records.fail({ id, model: model.id, error: apiError, attempts, finishedAt: ports.clock() }).catch(() => undefined);
    throw new GenerationFailure(id, apiError, attempts);
  });
  if (!reserved) {
    const error = new ApiError({
      kind: 'insufficient_credits',
      code: 'insufficient_credits',
      message: `Insufficient credits: this request needs $${formatUsd(reservedMicros, 6)} and the account's balance is lower. Ask your operator for more credits.`,
    });
    await ports.records.fail({ id, model: model.id, error, attempts, finishedAt: ports.clock() });
    throw new GenerationFailure(id, error, attempts);
  }

  try {
    input.onRecorded?.(id);
    const delivered = await generateAll(ports, input, routes, attempts);
    const lastRoute = delivered.at(-1)!.route;
    const providerImages = delivered.flatMap(({ route, result }) => result.images.map((image) => ({ image, provider: route.provider })));
    const images = await finishImages(ports, {
      images: providerImages.slice(0, request.n),
      outputFormat: request.outputFormat,
      keepBase64: request.responseFormat !== 'url',
      signal: input.signal,
    });
    // Only the images the client gets are charged: an upstream that returned more than asked pays for the rest.
    let uncharged = request.n;
    const costMicros = Math.min(
      delivered.reduce((sum, { route, result }) => {
        const kept = Math.min(result.images.length, uncharged);
        uncharged -= kept;
        return sum + actualCostMicros(route.pricingMicros, priceContext, result, kept);
      }, 0),
      reservedMicros,
    );
    const stored = request.responseFormat === 'b64_ephemeral' ? [] : await ports.storeImages(id, images);
    const finishedAt = ports.clock();
    const warnings = [...input.warnings, ...delivered.flatMap(({ result }) => result.warnings)];
    await ports.records.succeed({
      id,
      model: model.id,
      accountId: caller.accountId,
      reservedMicros,
      costMicros,
      provider: lastRoute.provider,
      route: `${lastRoute.provider}:${lastRoute.model}`,
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
    // Both, even if one of them fails: a hold must not outlive its generation, nor a record stay `processing`.
    await Promise.allSettled([
      ports.records.release({ accountId: caller.accountId, generationId: id, reservedMicros }),
      ports.records.fail({ id, model: model.id, error: apiError, attempts, finishedAt: ports.clock() }),
    ]);
    throw new GenerationFailure(id, apiError, attempts);
  }
}

type PricedRoute = Extract<ResolvedRoute, { priced: true }>;

/** Routes whose provider is configured and that have a price (a model with no price is never free by accident). */
function routableRoutes(model: ResolvedModel, ports: GenerationPorts): PricedRoute[] {
  const priced = pricedRoutes(model);
  const routes = priced.filter((route) => ports.registry.get(route.provider));
  if (routes.length > 0) return routes;
  const needed = [...new Set(priced.map((route) => route.provider))].map((provider) => {
    const instance = ports.registry.describe(provider);
    return instance?.missing ? `${instance.missing} (${provider})` : provider;
  });
  throw new ApiError({
    kind: 'unavailable',
    code: 'model_unavailable',
    message:
      needed.length > 0
        ? `The model '${model.id}' is not available on this gateway: no provider for it is configured. Set ${needed.join(' or ')}.`
        : `The model '${model.id}' is not available on this gateway: it has no priced route.`,
  });
}

/** The most rounds of "ask for the images still missing" before giving up on a short-delivering upstream. */
const MAX_DELIVERY_ROUNDS = 3;

/** Calls until `n` images arrived; a route that delivers short is asked again for the rest. */
async function generateAll(ports: GenerationPorts, input: GenerateImagesInput, routes: PricedRoute[], attempts: Attempt[]) {
  const delivered: Array<{ route: PricedRoute; result: ProviderResult }> = [];
  let count = 0;
  for (let round = 0; count < input.request.n; round += 1) {
    if (round >= MAX_DELIVERY_ROUNDS) {
      const provider = delivered.at(-1)?.route.provider ?? routes[0]?.provider ?? 'unknown';
      throw new UpstreamError({ provider, kind: 'upstream_error', message: `The provider '${provider}' returned ${count} of ${input.request.n} images.` });
    }
    const last = delivered.at(-1)?.route;
    const outcome = await runRoutes({
      // The rest goes to the route that answered, if it still can.
      routes: last ? [last, ...routes.filter((candidate) => candidate !== last)] : routes,
      registry: ports.registry,
      call: { request: input.request, n: input.request.n - count, signal: input.signal, deadline: input.deadline },
      clock: ports.clock,
      attempts,
      state: ports.router,
    });
    for (const result of outcome.results) {
      delivered.push({ route: outcome.route, result });
      count += result.images.length;
    }
  }
  return delivered;
}

function responseData(request: ImageRequest, images: FinishedImage[], stored: Array<{ url: string }>): GenerationOutput['data'] {
  if (request.responseFormat === 'url') return stored.map((image) => ({ url: image.url }));
  return images.map((image) => ({ b64_json: finishedImageBase64(image) }));
}
