import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GenerationLookup } from '../accounts/account-services.js';
import type { GenerationRecord } from '../accounts/generation-repository.js';
import type { IdempotencyKeyStore } from '../accounts/idempotency-key-store.js';
import type { Attempt } from '../domain/attempt.js';
import type { GenerationWarning } from '../domain/image-request.js';
import { microsToUsd } from '../domain/money.js';
import { ApiError, ERROR_KIND_HTTP, type ErrorKind } from '../errors/api-error.js';
import type { HostedImageUrls } from '../storage/hosted-image-urls.js';
import type { StoredImageReader } from '../storage/stored-image-reader.js';
import { GenerationFailure, type GenerationOutput } from './generate-images.js';
import type { UseCasePorts } from './generation-ports.js';
import type { GenerationRequest } from './generation-request.js';
import { runGeneration, type RunGenerationInput } from './run-generation.js';
import { startGeneration, type StartGenerationInput } from './start-generation.js';

/** Stripe's window: a key is remembered for 24 hours, then it may be used again. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;
const POLL_INTERVAL_MS = 100;
/** Beyond the request deadline, how long an unrecorded claim may stand before it counts as orphaned. */
const ORPHAN_GRACE_MS = 10_000;

/** A live request records its generation within its deadline; a claim without one past this is orphaned. */
function orphanAfterMs(ports: UseCasePorts): number {
  return ports.requestTimeoutMs + ORPHAN_GRACE_MS;
}
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

export interface IdempotencyPorts {
  store: IdempotencyKeyStore;
  lookup: Pick<GenerationLookup, 'get'>;
  images: StoredImageReader;
  /** Hosted URLs of the first request's images, made anew (a presigned one is fresh). */
  urls: HostedImageUrls;
}

export interface IdempotentRunInput extends RunGenerationInput {
  idempotencyKey: string;
}

export interface IdempotentOutput {
  output: GenerationOutput;
  /** True when this is the first request's result, served again. */
  replayed: boolean;
}

/**
 * `runGeneration` under an `Idempotency-Key` (Stripe's semantics): the first request with a key
 * runs; later ones with the same key and the same request get its result (waiting while it runs)
 * without another upstream call or charge; the same key with another request is a 409. The claim
 * is a row under a unique constraint, so this holds across processes sharing the database.
 */
export async function runIdempotentGeneration(
  ports: UseCasePorts,
  idempotency: IdempotencyPorts,
  input: IdempotentRunInput,
): Promise<IdempotentOutput> {
  refuseEphemeral(input.request);
  const accountId = input.caller.accountId;
  const key = input.idempotencyKey;
  const requestHash = hashGenerationRequest(input.request);
  const giveUpAt = ports.clock() + ports.requestTimeoutMs;
  for (;;) {
    const claim = await claimKey(ports, idempotency, { accountId, key, requestHash });
    if (claim.claimed) return { output: await runClaimed(ports, idempotency, input, requestHash), replayed: false };
    if (claim.requestHash !== requestHash) throw keyReused();
    const id = await waitForFirst(ports, idempotency, { accountId, key, giveUpAt, signal: input.signal, untilFinished: true });
    // The first request failed before recording anything and gave the key back: claim it ourselves.
    if (id === undefined) continue;
    const record = await idempotency.lookup.get(id);
    if (record !== undefined) return { output: await replay(record, idempotency), replayed: true };
  }
}

export interface IdempotentStartInput extends StartGenerationInput {
  idempotencyKey: string;
}

/**
 * Async mode under an `Idempotency-Key`: the first request starts the generation; a replay gets
 * the same id (the same 202) once the first one's generation is recorded, finished or not.
 */
export async function startIdempotentGeneration(
  ports: UseCasePorts,
  idempotency: IdempotencyPorts,
  input: IdempotentStartInput,
): Promise<{ id: string; replayed: boolean }> {
  refuseEphemeral(input.request);
  const accountId = input.caller.accountId;
  const key = input.idempotencyKey;
  const requestHash = hashGenerationRequest(input.request);
  const giveUpAt = ports.clock() + ports.requestTimeoutMs;
  for (;;) {
    const claim = await claimKey(ports, idempotency, { accountId, key, requestHash });
    if (claim.claimed) {
      let id: string;
      try {
        id = await startGeneration(ports, input);
      } catch (error) {
        // startGeneration rejects only before the generation is recorded: nothing to replay.
        await idempotency.store.release(accountId, key, requestHash);
        throw error;
      }
      await idempotency.store.linkGeneration(accountId, key, id);
      return { id, replayed: false };
    }
    if (claim.requestHash !== requestHash) throw keyReused();
    const id = await waitForFirst(ports, idempotency, { accountId, key, giveUpAt, signal: undefined, untilFinished: false });
    if (id !== undefined) return { id, replayed: true };
  }
}

/** Claims the key now, replacing a claim past the 24 h window or one orphaned by a dead request. */
function claimKey(ports: UseCasePorts, idempotency: IdempotencyPorts, claim: { accountId: string; key: string; requestHash: string }) {
  const now = ports.clock();
  return idempotency.store.claim({
    ...claim,
    now,
    staleBefore: now - IDEMPOTENCY_WINDOW_MS,
    orphanedBefore: now - orphanAfterMs(ports),
  });
}

async function runClaimed(
  ports: UseCasePorts,
  idempotency: IdempotencyPorts,
  input: IdempotentRunInput,
  requestHash: string,
): Promise<GenerationOutput> {
  const { accountId } = input.caller;
  let linked: Promise<void> | undefined;
  try {
    const output = await runGeneration(ports, {
      ...input,
      onRecorded: (generationId) => {
        linked = idempotency.store.linkGeneration(accountId, input.idempotencyKey, generationId);
        input.onRecorded?.(generationId);
      },
    });
    await linked;
    return output;
  } catch (error) {
    // A recorded failure is the key's result and is replayed; anything earlier (validation,
    // credits, a disconnect) kept nothing, so a corrected retry must not be blocked (Stripe agrees).
    if (linked !== undefined) await linked;
    else await idempotency.store.release(accountId, input.idempotencyKey, requestHash);
    throw error;
  }
}

/**
 * Polls until the first request's generation is recorded (and, with `untilFinished`, finished);
 * its id, or `undefined` when the claim was released.
 */
async function waitForFirst(
  ports: UseCasePorts,
  idempotency: IdempotencyPorts,
  wait: { accountId: string; key: string; giveUpAt: number; signal: AbortSignal | undefined; untilFinished: boolean },
): Promise<string | undefined> {
  for (;;) {
    const claim = await idempotency.store.get(wait.accountId, wait.key);
    if (claim === undefined) return undefined;
    // Orphaned (its request died before recording anything): the caller's next claim replaces it.
    if (claim.generationId === null && claim.createdAt < ports.clock() - orphanAfterMs(ports)) return undefined;
    if (claim.generationId !== null) {
      if (!wait.untilFinished) return claim.generationId;
      const record = await idempotency.lookup.get(claim.generationId);
      if (record !== undefined && record.status !== 'processing') return claim.generationId;
    }
    if (ports.clock() >= wait.giveUpAt) {
      throw new ApiError({
        kind: 'timeout',
        param: IDEMPOTENCY_HEADER,
        message: `The request that first used this ${IDEMPOTENCY_HEADER} is still running; retry later to get its result.`,
      });
    }
    await sleep(POLL_INTERVAL_MS, undefined, wait.signal ? { signal: wait.signal } : {});
  }
}

/** The first request's response, rebuilt from its record and stored images. */
async function replay(record: GenerationRecord, idempotency: IdempotencyPorts): Promise<GenerationOutput> {
  if (record.status !== 'success') {
    throw new GenerationFailure(record.id, recordedError(record), []);
  }
  const data: GenerationOutput['data'] = [];
  for (const file of record.outputIds) {
    if (record.responseFormat !== 'b64_json') {
      data.push({ revised_prompt: null, url: await idempotency.urls.urlOf(file, record.createdAt) });
      continue;
    }
    const image = await idempotency.images.read(file);
    if (image === undefined) {
      throw new ApiError({
        kind: 'invalid_request',
        status: 409,
        param: IDEMPOTENCY_HEADER,
        code: 'idempotency_result_expired',
        message: `The images of the request that first used this ${IDEMPOTENCY_HEADER} have expired; use a new key.`,
      });
    }
    data.push({ revised_prompt: null, b64_json: Buffer.from(image.bytes.toString('base64')) });
  }
  return {
    id: record.id,
    created: record.createdAt,
    data,
    latency: record.latencyMs ?? 0,
    cost: microsToUsd(record.costMicros),
    warnings: record.warnings as GenerationWarning[],
    // The first request's attempts, so a replay carries the same `X-ImageRouter-Attempts`.
    attempts: record.attempts as Attempt[],
  };
}

function recordedError(record: GenerationRecord): ApiError {
  const kind =
    (Object.keys(ERROR_KIND_HTTP) as ErrorKind[]).find((candidate) => ERROR_KIND_HTTP[candidate].type === record.errorType) ?? 'internal';
  return new ApiError({
    kind,
    message: record.errorMessage ?? 'The generation failed.',
    ...(record.errorCode !== null ? { code: record.errorCode } : {}),
    ...(record.errorParam !== null ? { param: record.errorParam } : {}),
    ...(record.httpStatus !== null ? { status: record.httpStatus } : {}),
  });
}

/** Nothing of a `b64_ephemeral` result is kept, so there would be nothing to replay: refused up front. */
function refuseEphemeral(request: GenerationRequest): void {
  if (request.fields['response_format'] !== 'b64_ephemeral') return;
  throw new ApiError({
    kind: 'invalid_request',
    status: 422,
    param: IDEMPOTENCY_HEADER,
    code: 'idempotency_unsupported',
    message: `'b64_ephemeral' keeps nothing to replay, so it can't be used with ${IDEMPOTENCY_HEADER}: use 'url' or 'b64_json', or drop the header.`,
  });
}

function keyReused(): ApiError {
  return new ApiError({
    kind: 'invalid_request',
    status: 409,
    param: IDEMPOTENCY_HEADER,
    code: 'idempotency_key_reused',
    message: `This ${IDEMPOTENCY_HEADER} was already used with a different request; use a new key for a new request.`,
  });
}

/**
 * SHA-256 over the fields (keys sorted at every level) and each image and mask: uploaded bytes
 * by their own hash, references (URLs, data URIs) as sent. Any changed field or image changes it.
 */
export function hashGenerationRequest(request: GenerationRequest): string {
  const images = (references: GenerationRequest['images']) =>
    references.map((reference) =>
      reference.kind === 'bytes'
        ? { param: reference.param, sha256: createHash('sha256').update(reference.bytes).digest('hex') }
        : { param: reference.param, value: reference.value },
    );
  const canonical = canonicalJson({ fields: request.fields, images: images(request.images), masks: images(request.masks) });
  return createHash('sha256').update(canonical).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, item]) => `${JSON.stringify(name)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
