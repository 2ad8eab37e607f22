import { randomUUID } from 'node:crypto';
import type { CallerRateLimits } from '../accounts/api-key-service.js';
import type { SpendLimitReached } from '../accounts/key-spend.js';
import type { ModelLifecycle } from '../catalog/model-lifecycle.js';
import { pricedRoutes, type ResolvedModel, type ResolvedRoute } from '../catalog/resolved-model.js';
import { ApiError } from '../errors/api-error.js';
import { UpstreamError } from '../errors/upstream-error.js';
import type { Attempt } from '../domain/attempt.js';
import type { Base64Text } from '../domain/base64-text.js';
import { orderRoutes, routeKey } from '../routing/order-routes.js';
import { runRoutes } from '../routing/run-routes.js';
import { formatUsd, microsToUsd } from '../domain/money.js';
import type { ProviderResult } from '../providers/provider.js';
import type { GenerationPorts } from './generation-ports.js';
import type { GenerationWarning, ImageRequest } from '../domain/image-request.js';
import { finishImages } from './finish-images.js';
import { finishedImageBase64 } from '../domain/finished-image.js';
import { actualCostMicros, estimateImageMicros } from './quote-price.js';
import { claimFreeUsage } from './claim-free-usage.js';
import { inputImageReserveMicros } from './input-image-reserve.js';
import { settleAboveHoldWarnings } from './settle-above-hold.js';
import type { LendBuffer } from '../domain/scratch-buffers.js';

export interface GenerationCaller {
  accountId: string;
  apiKeyId: string;
  /** The key's request limits; absent for callers without any (jobs, tests). */
  rateLimits?: CallerRateLimits;
  /** The client's address as the HTTP layer saw it, for the per-IP free-model cap; absent outside HTTP. */
  clientIp?: string;
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
  /** Where the finished generation is POSTed (queued with the record's finish). */
  webhookUrl?: string;
  /** Called once the generation is recorded and its credits are held (async mode answers 202 then). */
  onRecorded?: (generationId: string) => void;
  /**
   * Async mode: keeps the request once it is recorded (before the 202), so another process can
   * finish the generation if this one dies, and forgets it when the generation finishes.
   */
  job?: { save(generationId: string): Promise<void>; remove(generationId: string): Promise<void> };
  /** The model's dates when it is deprecated: carried into the output for the entry point. */
  deprecation?: ModelLifecycle;
  /**
   * Called once with the final output (the object the run then resolves with), after the images
   * are stored and before the charge is committed, so an entry point can start sending a large
   * answer while the settle runs. It must hold back the end of the answer until the run resolves
   * (the charge is then committed) and cut the answer off if the run rejects instead: a client
   * never holds a whole answer that was not charged (docs/architecture.md, "Hot path").
   */
  onOutput?: (output: GenerationOutput) => void;
  /** Lends the buffers providers' answers are read into (`ProviderCall.lendBuffer`); the entry point takes them back. */
  lendBuffer?: LendBuffer;
}

/** The body of a successful image response, plus what the HTTP layer puts in headers. */
export interface GenerationOutput {
  id: string;
  created: number;
  /** `b64_json` is base64 TEXT as bytes: serialised into the body without becoming a JS string. */
  data: Array<{ revised_prompt: string | null; url: string } | { revised_prompt: string | null; b64_json: Base64Text }>;
  latency: number;
  cost: number;
  warnings: GenerationWarning[];
  /** The model's dates when it is deprecated (HTTP sends `Deprecation` and `Sunset`). */
  deprecation?: ModelLifecycle;
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

/** What the steps of one generation share once it is recorded. */
interface OpenGeneration {
  ports: GenerationPorts;
  input: GenerateImagesInput;
  id: string;
  reservedMicros: number;
  attempts: Attempt[];
}

/** One route's answer, kept with the route that gave it (for its price and the record). */
interface Delivery {
  route: PricedRoute;
  result: ProviderResult;
}

/**
 * The money-and-providers half of the use case: quote → record → reserve → route → post-process →
 * store → settle → record. Every path out of it leaves one finished generation record and no
 * credit hold. (`runGeneration` does the resolve, check and fetch steps before it.)
 */
export async function generateImages(ports: GenerationPorts, input: GenerateImagesInput): Promise<GenerationOutput> {
  const routes = await orderedRoutes(ports, input);
  const reservedMicros = reserveFor(routes, input.request);
  const id = randomUUID();
  // Free for this request means nothing can be charged: every route it may take holds 0.
  const freeSlot = reservedMicros === 0 ? await claimFreeUsage(ports.freeUsage, input.caller, input.model, id, ports.clock) : undefined;
  if (freeSlot === undefined) return generateRecorded(ports, input, routes, { id, reservedMicros });
  try {
    return await generateRecorded(ports, input, routes, { id, reservedMicros });
  } catch (error) {
    // Only running and successful free generations count against the caps. A give-back that fails
    // leaves the slot taken until midnight: the safe side, and never worth masking the real error.
    await freeSlot.release().catch(() => undefined);
    throw error;
  }
}

/**
 * Finishes a generation that another process recorded, held credits for and then died running
 * (`resume-generation.ts`): the same route → finish → store → settle, on its record and its hold.
 */
export async function resumeImages(
  ports: GenerationPorts,
  input: GenerateImagesInput,
  recorded: { id: string; reservedMicros: number },
): Promise<GenerationOutput> {
  let routes: PricedRoute[];
  try {
    routes = await orderedRoutes(ports, input);
  } catch (error) {
    // E.g. its provider is no longer configured: the record still ends, and the hold with it.
    throw await finishWithFailure({ ports, input, ...recorded, attempts: [] }, error);
  }
  return generateRecorded(ports, input, routes, recorded, { resumed: true });
}

async function generateRecorded(
  ports: GenerationPorts,
  input: GenerateImagesInput,
  routes: PricedRoute[],
  { id, reservedMicros }: { id: string; reservedMicros: number },
  { resumed }: { resumed: boolean } = { resumed: false },
): Promise<GenerationOutput> {
  const generation: OpenGeneration = { ports, input, id, reservedMicros, attempts: [] };
  if (!resumed) await recordAndReserve(generation);
  // The request deadline can outlast a lease: renew it until the record is finished either way.
  const stopLease = ports.records.keepLeaseAlive(generation.id);
  try {
    if (!resumed) await input.job?.save(generation.id);
    input.onRecorded?.(generation.id);
    const delivered = await generateAll(ports, input, routes, generation.attempts);
    return await finishSuccessfully(generation, delivered);
  } catch (error) {
    throw await finishWithFailure(generation, error);
  } finally {
    stopLease();
    // A job left behind is harmless: takeover only claims generations still processing.
    await input.job?.remove(generation.id).catch(() => undefined);
  }
}

function priceContextOf(request: ImageRequest) {
  return { size: request.size, quality: request.quality };
}

async function orderedRoutes(ports: GenerationPorts, input: GenerateImagesInput): Promise<PricedRoute[]> {
  const priceContext = priceContextOf(input.request);
  const routes = routableRoutes(input.model, ports);
  const strategy = input.model.routing.strategy;
  // Only `fastest` reads latencies: the others skip the (possibly shared) store.
  const latency = strategy === 'fastest' ? await ports.router.latency.estimates(routes.map(routeKey)) : new Map<string, number>();
  return orderRoutes({
    routes,
    strategy,
    priceOf: (route) => estimateImageMicros(route.pricingMicros, priceContext),
    latency,
    random: ports.router.random,
  });
}

/**
 * The dearest route's price × n: a fallback may land there. Token-priced routes also bill the
 * input images, once per upstream call; at worst every image comes from its own call.
 */
function reserveFor(routes: PricedRoute[], request: ImageRequest): number {
  const priceContext = priceContextOf(request);
  const sent = request.mask ? [...request.images, request.mask] : request.images;
  const perImage = (route: PricedRoute) =>
    estimateImageMicros(route.pricingMicros, priceContext) + inputImageReserveMicros(route.pricingMicros, sent);
  return Math.max(...routes.map(perImage)) * request.n;
}

/**
 * The `processing` record and the hold, in one transaction. A refused hold wrote nothing, so the
 * refusal is recorded then (`start`, `fail`); so is a failed transaction, as far as the database lets.
 */
async function recordAndReserve(generation: OpenGeneration): Promise<void> {
  const { ports, input, id, reservedMicros, attempts } = generation;
  const { caller, model } = input;
  const started = {
    id,
    accountId: caller.accountId,
    apiKeyId: caller.apiKeyId,
    request: input.request,
    reservedMicros,
    createdAt: input.startedAt,
    ...(input.webhookUrl === undefined ? {} : { webhookUrl: input.webhookUrl }),
  };
  const reserved = await ports.records.startAndReserve(started).catch(async (error: unknown) => {
    const apiError = new ApiError({ kind: 'internal', message: 'Internal server error', cause: error });
    await ports.records
      .start(started)
      .then(() => ports.records.fail({ id, model: model.id, error: apiError, attempts, finishedAt: ports.clock() }))
      .catch(() => undefined);
    throw new GenerationFailure(id, apiError, attempts);
  });
  if (reserved.ok) return;
  const error =
    reserved.reason === 'balance'
      ? insufficientCredits(reservedMicros)
      : spendLimitReached(reservedMicros, reserved.reached, ports.clock());
  await ports.records.start(started);
  await ports.records.fail({ id, model: model.id, error, attempts, finishedAt: ports.clock() });
  throw new GenerationFailure(id, error, attempts);
}

function insufficientCredits(reservedMicros: number): ApiError {
  return new ApiError({
    kind: 'insufficient_credits',
    code: 'insufficient_credits',
    message: `Insufficient credits: this request needs $${formatUsd(reservedMicros, 6)} and the account's balance is lower. Ask your operator for more credits.`,
  });
}

/**
 * A 402 like insufficient credits (SDKs don't retry it), with what the client needs to plan: the
 * limit, its period, the spend so far and when it resets (also as `Retry-After`).
 */
function spendLimitReached(reservedMicros: number, reached: SpendLimitReached, now: number): ApiError {
  const { limit, spentMicros, resetsAt } = reached;
  return new ApiError({
    kind: 'insufficient_credits',
    code: 'spend_limit_exceeded',
    message:
      `This API key's spend limit of $${formatUsd(limit.micros, 6)} per ${limit.period} would be exceeded: ` +
      `$${formatUsd(spentMicros, 6)} spent this ${limit.period} and this request needs $${formatUsd(reservedMicros, 6)}. ` +
      `The limit resets at ${new Date(resetsAt).toISOString()}.`,
    retryAfterMs: Math.max(0, resetsAt - now),
  });
}

/**
 * Post-process, store, then settle and record in one step. The output is complete before the
 * settle (`onOutput` may start sending it) and returned only once the charge is committed.
 */
async function finishSuccessfully(generation: OpenGeneration, delivered: Delivery[]): Promise<GenerationOutput> {
  const { ports, input, id, reservedMicros, attempts } = generation;
  const { request } = input;
  // The client agreed to the hold: a cost above it is recorded and reported, and only the hold is charged.
  const fullCostMicros = chargedMicros(delivered, request);
  const costMicros = Math.min(fullCostMicros, reservedMicros);
  const warnings = [
    ...input.warnings,
    ...delivered.flatMap(({ result }) => result.warnings),
    ...settleAboveHoldWarnings(fullCostMicros, reservedMicros),
  ];
  const lastRoute = delivered.at(-1)!.route;
  const { data, imageCount, outputIds } = await deliverImages(generation, delivered);
  const finishedAt = ports.clock();
  const latency = finishedAt - input.startedAt;
  const output: GenerationOutput = {
    id,
    created: input.startedAt,
    data,
    latency,
    cost: microsToUsd(costMicros),
    warnings,
    ...(input.deprecation === undefined ? {} : { deprecation: input.deprecation }),
    attempts,
  };
  input.onOutput?.(output);
  await ports.records.succeed({
    id,
    model: input.model.id,
    accountId: input.caller.accountId,
    reservedMicros,
    costMicros: fullCostMicros,
    provider: lastRoute.provider,
    route: `${lastRoute.provider}:${lastRoute.model}`,
    latencyMs: finishedAt - input.startedAt,
    imageCount,
    outputIds,
    warnings,
    attempts,
    finishedAt,
  });
  return output;
}

/**
 * Finishes and stores the images and builds the response's `data`. The upstream's images move out
 * of `delivered` and of every list here as soon as they are no longer needed: for a `url` answer,
 * the upstream's megabytes of base64 are garbage once the store has decoded them, before files
 * are written and the record waits its turn. Held until the response, they outlived young-
 * generation collections and V8 answered with full mark-compacts, about 25 instead of 3 every 5 s at
 * c=16 (docs/performance.md, "The url path"). Charges are counted before this runs.
 */
async function deliverImages(
  generation: OpenGeneration,
  delivered: Delivery[],
): Promise<{ data: GenerationOutput['data']; imageCount: number; outputIds: string[] }> {
  const { ports, input, id } = generation;
  const { request } = input;
  // Lists are emptied rather than left to go out of scope: an async function's frame may keep a
  // variable it no longer uses until it returns.
  const provided = delivered.flatMap(({ route, result }) => result.images.splice(0).map((image) => ({ image, provider: route.provider })));
  provided.length = Math.min(provided.length, request.n);
  const images = await finishImages(ports, { images: provided, outputFormat: request.outputFormat, signal: input.signal });
  provided.length = 0;
  const imageCount = images.length;
  if (request.responseFormat === 'url') {
    const revisedPrompts = images.map((image) => image.revisedPrompt ?? null);
    const storing = ports.storeImages(id, images);
    images.length = 0;
    const stored = await storing;
    const data = stored.map((image, index) => ({ revised_prompt: revisedPrompts[index] ?? null, url: image.url }));
    return { data, imageCount, outputIds: stored.map((image) => image.key) };
  }
  const stored = request.responseFormat === 'b64_ephemeral' ? [] : await ports.storeImages(id, images);
  // `revised_prompt` in every item, `null` when the upstream kept the prompt: as OpenAI and the public service answer.
  const data = images.map((image) => ({ revised_prompt: image.revisedPrompt ?? null, b64_json: finishedImageBase64(image) }));
  return { data, imageCount, outputIds: stored.map((image) => image.key) };
}

/** Only the images the client gets are charged: an upstream that returned more than asked pays for the rest. */
function chargedMicros(delivered: Delivery[], request: ImageRequest): number {
  let uncharged = request.n;
  return delivered.reduce((sum, { route, result }) => {
    const kept = Math.min(result.images.length, uncharged);
    uncharged -= kept;
    return sum + actualCostMicros(route.pricingMicros, priceContextOf(request), result, kept);
  }, 0);
}

/**
 * Records the error and gives the hold back, in one transaction. If that fails, the record stays
 * `processing` with its hold and lease recovery closes both once the lease (no longer renewed)
 * passes: the client still gets the generation's own error, never a hold left open forever.
 */
async function finishWithFailure(generation: OpenGeneration, error: unknown): Promise<GenerationFailure> {
  const { ports, input, id, reservedMicros, attempts } = generation;
  const apiError = error instanceof ApiError ? error : new ApiError({ kind: 'internal', message: 'Internal server error', cause: error });
  await ports.records
    .fail({
      id,
      model: input.model.id,
      error: apiError,
      attempts,
      finishedAt: ports.clock(),
      release: { accountId: input.caller.accountId, reservedMicros },
    })
    .catch(() => undefined);
  return new GenerationFailure(id, apiError, attempts);
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
async function generateAll(
  ports: GenerationPorts,
  input: GenerateImagesInput,
  routes: PricedRoute[],
  attempts: Attempt[],
): Promise<Delivery[]> {
  const delivered: Delivery[] = [];
  let count = 0;
  for (let round = 0; count < input.request.n; round += 1) {
    if (round >= MAX_DELIVERY_ROUNDS) {
      const provider = delivered.at(-1)?.route.provider ?? routes[0]?.provider ?? 'unknown';
      throw new UpstreamError({
        provider,
        kind: 'upstream_error',
        message: `The provider '${provider}' returned ${count} of ${input.request.n} images.`,
      });
    }
    const last = delivered.at(-1)?.route;
    const outcome = await runRoutes({
      // The rest goes to the route that answered, if it still can.
      routes: last ? [last, ...routes.filter((candidate) => candidate !== last)] : routes,
      registry: ports.registry,
      call: {
        request: input.request,
        n: input.request.n - count,
        signal: input.signal,
        deadline: input.deadline,
        ...(input.lendBuffer ? { lendBuffer: input.lendBuffer } : {}),
      },
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
