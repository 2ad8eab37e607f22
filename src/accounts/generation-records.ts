import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../db/database-schema.js';
import type { Attempt } from '../domain/attempt.js';
import type { GenerationWarning, ImageRequest } from '../domain/image-request.js';
import type { ApiError } from '../errors/api-error.js';
import type { Metrics } from '../observability/metrics.js';
import { finishGenerationReturning, insertGeneration, renewGenerationLease, type NewGeneration } from './generation-repository.js';
import {
  HoldRefused,
  releaseCreditsInTransaction,
  reserveHoldInTransaction,
  settleCreditsInTransaction,
  type ReserveOutcome,
} from './ledger.js';
import { queueWebhookDelivery } from './webhook-outbox.js';

/** The `processing` record of a generation as it starts. */
export interface StartedGeneration {
  id: string;
  accountId: string;
  apiKeyId: string;
  request: ImageRequest;
  reservedMicros: number;
  createdAt: number;
  /** Where the finished generation is POSTed; its delivery is queued with the finish. */
  webhookUrl?: string;
}

/** What the generation use case records: one row per generation, and the ledger entries around it. */
export interface GenerationRecords {
  /**
   * The `processing` record and its hold (`reservedMicros` on the account, counted against the
   * key's spend limit) in one transaction: all of it or nothing. A refused hold writes nothing;
   * the caller records the refusal with `start` and `fail`.
   */
  startAndReserve(input: StartedGeneration): Promise<ReserveOutcome>;
  /** The `processing` record alone (a generation whose hold was refused, before its `fail`). */
  start(input: StartedGeneration): Promise<void>;
  succeed(input: {
    id: string;
    model: string;
    accountId: string;
    reservedMicros: number;
    /** What the delivered images really cost; the ledger charges at most `reservedMicros` of it. */
    costMicros: number;
    provider: string;
    route: string;
    latencyMs: number;
    imageCount: number;
    outputIds: string[];
    warnings: GenerationWarning[];
    attempts: Attempt[];
    finishedAt: number;
  }): Promise<void>;
  /**
   * Ends a `processing` record as `error`, queues its webhook and, given `release`, gives its hold
   * back: one transaction. If it throws, none of it happened and the record stays `processing`
   * with its hold, so lease recovery closes both later; a hold never outlives its record open.
   */
  fail(input: {
    id: string;
    model: string;
    error: ApiError;
    attempts: Attempt[];
    finishedAt: number;
    release?: { accountId: string; reservedMicros: number };
  }): Promise<void>;
  /**
   * Renews the lease that `start` took on the record until the returned function is called, so
   * crash recovery never takes a generation this process is still running.
   */
  keepLeaseAlive(id: string): () => void;
}

export interface GenerationRecordsOptions {
  clock: () => number;
  /** How long a generation's lease lasts; the running process renews it every third of that. */
  leaseMs: number;
  /** A renewal that failed (the next one may succeed; the lease is long enough for a few misses). */
  onLeaseError?: (error: unknown, generationId: string) => void;
}

/** The generation use case's records, over the database: one row per generation, ledger entries around it. */
export function createGenerationRecords(
  db: Kysely<DatabaseSchema>,
  metrics: Metrics,
  options: GenerationRecordsOptions,
): GenerationRecords {
  const { clock, leaseMs } = options;
  const onLeaseError = options.onLeaseError ?? warnLeaseError;
  return {
    async startAndReserve(input) {
      try {
        await db.transaction().execute(async (trx) => {
          await insertGeneration(trx, newGeneration(input, clock() + leaseMs));
          await reserveHoldInTransaction(trx, {
            accountId: input.accountId,
            apiKeyId: input.apiKeyId,
            generationId: input.id,
            amountMicros: input.reservedMicros,
            now: clock(),
          });
        });
        return { ok: true };
      } catch (error) {
        if (error instanceof HoldRefused) return error.outcome;
        throw error;
      }
    },
    async start(input) {
      await insertGeneration(db, newGeneration(input, clock() + leaseMs));
    },
    async succeed(input) {
      // One transaction: if the record can't be written the charge rolls back too, and the
      // caller's failure path releases the whole hold and records the error (cost 0) truthfully.
      const settlement = await db.transaction().execute(async (trx) => {
        const settled = await settleCreditsInTransaction(trx, {
          accountId: input.accountId,
          generationId: input.id,
          reservedMicros: input.reservedMicros,
          costMicros: input.costMicros,
          now: input.finishedAt,
        });
        const recorded = await finishGenerationReturning(trx, input.id, {
          status: 'success',
          provider: input.provider,
          route: input.route,
          costMicros: settled.chargedMicros,
          latencyMs: input.latencyMs,
          imageCount: input.imageCount,
          outputIds: input.outputIds,
          warnings: input.warnings,
          attempts: input.attempts,
          errorMessage: null,
          errorType: null,
          httpStatus: 200,
          finishedAt: input.finishedAt,
        });
        if (!recorded) throw new Error(`Generation ${input.id} was no longer processing when its success was recorded`);
        await queueWebhookDelivery(
          trx,
          { generationId: input.id, accountId: recorded.accountId, url: recorded.webhookUrl },
          input.finishedAt,
        );
        return settled;
      });
      const model = input.model;
      metrics.generations.inc({ model, provider: input.provider, outcome: 'success' });
      metrics.generationCostMicros.inc({ model, provider: input.provider }, settlement.chargedMicros);
      if (settlement.applied && input.costMicros > input.reservedMicros) {
        metrics.settleAboveHold.inc({ model, provider: input.provider });
        metrics.settleAboveHoldMicros.inc({ model, provider: input.provider }, input.costMicros - input.reservedMicros);
      }
      metrics.images.inc({ model }, input.imageCount);
      countAttempts(metrics, input.attempts);
    },
    async fail({ id, model, error, attempts, finishedAt, release }) {
      const last = attempts.at(-1);
      // The webhook and the release go with the finish or not at all: an error is delivered like a
      // success, and a record no longer `processing` was closed, hold included, by whoever closed it.
      await db.transaction().execute(async (trx) => {
        const recorded = await finishGenerationReturning(trx, id, {
          status: 'error',
          provider: null,
          route: last ? `${last.provider}:${last.model}` : null,
          costMicros: 0,
          latencyMs: null,
          imageCount: 0,
          outputIds: [],
          warnings: [],
          attempts,
          errorMessage: error.message,
          errorType: error.type,
          errorCode: error.code ?? null,
          errorParam: error.param ?? null,
          httpStatus: error.status,
          finishedAt,
        });
        if (!recorded) return;
        if (release) {
          await releaseCreditsInTransaction(trx, {
            accountId: release.accountId,
            generationId: id,
            reservedMicros: release.reservedMicros,
            now: finishedAt,
          });
        }
        await queueWebhookDelivery(trx, { generationId: id, accountId: recorded.accountId, url: recorded.webhookUrl }, finishedAt);
      });
      metrics.generations.inc({ model, provider: last?.provider ?? 'none', outcome: error.kind });
      countAttempts(metrics, attempts);
    },
    keepLeaseAlive(id) {
      let renewing = false;
      const timer = setInterval(
        () => {
          // A renewal stuck on a slow database must not pile up behind itself.
          if (renewing) return;
          renewing = true;
          renewGenerationLease(db, id, clock() + leaseMs)
            .catch((error: unknown) => onLeaseError(error, id))
            .finally(() => (renewing = false));
        },
        Math.max(1, Math.floor(leaseMs / 3)),
      );
      // The generation's own work keeps the process alive; its lease timer must not.
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}

function newGeneration(
  { id, accountId, apiKeyId, request, reservedMicros, createdAt, webhookUrl }: StartedGeneration,
  leaseExpiresAt: number,
): NewGeneration {
  return {
    id,
    accountId,
    apiKeyId,
    model: request.model,
    responseFormat: request.responseFormat,
    outputFormat: request.outputFormat,
    size: request.size === 'auto' ? 'auto' : `${request.size.width}x${request.size.height}`,
    quality: request.quality,
    n: request.n,
    // Ephemeral means ephemeral: not even the prompt is kept.
    prompt: request.responseFormat === 'b64_ephemeral' ? null : (request.prompt ?? null),
    inputImageCount: request.images.length,
    hasMask: request.mask !== undefined,
    reservedMicros,
    createdAt,
    leaseExpiresAt,
    webhookUrl: webhookUrl ?? null,
  };
}

function warnLeaseError(error: unknown, generationId: string): void {
  const reason = error instanceof Error ? error.message : String(error);
  process.emitWarning(`Could not renew the lease of generation ${generationId}: ${reason}`, { code: 'IMAGEROUTER_GENERATION_LEASE' });
}

function countAttempts(metrics: Metrics, attempts: readonly Attempt[]): void {
  for (const attempt of attempts) {
    const outcome = attempt.outcome === 'success' ? 'ok' : attempt.outcome === 'skipped' ? 'circuit_open' : (attempt.errorKind ?? 'error');
    metrics.attempts.inc({ provider: attempt.provider, outcome });
  }
}
