import type { Kysely, Selectable } from 'kysely';
import type { DatabaseSchema, GenerationStatus, GenerationsTable, StoredImagesTable } from '../db/database-schema.js';
import { prepareQuery } from '../db/prepared-query.js';

/** A generation as recorded when it starts (status `processing`). */
export interface NewGeneration {
  id: string;
  accountId: string;
  apiKeyId: string;
  model: string;
  responseFormat: string;
  outputFormat: string;
  /** `auto` or `WIDTHxHEIGHT`, as requested. */
  size: string;
  quality: string;
  n: number;
  /** `null` for `b64_ephemeral`: nothing about such a request is kept beyond its metadata. */
  prompt: string | null;
  inputImageCount: number;
  hasMask: boolean;
  reservedMicros: number;
  createdAt: number;
  /** Until when the running process vouches for it (renewed while it runs); unset = no lease. */
  leaseExpiresAt?: number | null;
  /** Where the finished generation is POSTed, signed; unset = no webhook. */
  webhookUrl?: string | null;
}

/** How a generation ended. `warnings` and `attempts` items must be JSON-serialisable. */
export interface GenerationOutcome {
  status: 'success' | 'error';
  provider: string | null;
  route: string | null;
  /** What the account was charged: `SettlementResult.chargedMicros`, 0 on error. */
  costMicros: number;
  latencyMs: number | null;
  imageCount: number;
  outputIds: string[];
  warnings: readonly unknown[];
  attempts: readonly unknown[];
  errorMessage: string | null;
  errorType: string | null;
  errorCode?: string | null;
  errorParam?: string | null;
  httpStatus: number | null;
  finishedAt: number;
}

export interface GenerationRecord extends NewGeneration {
  status: GenerationStatus;
  provider: string | null;
  route: string | null;
  costMicros: number;
  latencyMs: number | null;
  imageCount: number;
  outputIds: string[];
  warnings: unknown[];
  attempts: unknown[];
  errorMessage: string | null;
  errorType: string | null;
  errorCode: string | null;
  errorParam: string | null;
  httpStatus: number | null;
  finishedAt: number | null;
}

export interface StoredImageRecord {
  /** Random and unguessable: the only secret in a hosted image URL. */
  id: string;
  generationId: string;
  /** Without the dot. */
  extension: string;
  contentType: string;
  byteSize: number;
  width: number;
  height: number;
  createdAt: number;
  /** The image is expired from this instant on. */
  expiresAt: number;
}

/** Bound parameters per DELETE ... IN (...), well under every dialect's limit. */
const DELETE_BATCH_SIZE = 500;

export async function insertGeneration(db: Kysely<DatabaseSchema>, row: NewGeneration): Promise<void> {
  await insertGenerationQuery.execute(db, {
    ...row,
    hasMask: row.hasMask ? 1 : 0,
    leaseExpiresAt: row.leaseExpiresAt ?? null,
    webhookUrl: row.webhookUrl ?? null,
  });
}

/** Every request's first write: prepared once (`db/prepared-query.ts`). */
const insertGenerationQuery = prepareQuery(
  (
    db,
    row: Omit<NewGeneration, 'hasMask' | 'leaseExpiresAt' | 'webhookUrl'> & {
      hasMask: 0 | 1;
      leaseExpiresAt: number | null;
      webhookUrl: string | null;
    },
  ) =>
    db.insertInto('generations').values({
      id: row.id,
      account_id: row.accountId,
      api_key_id: row.apiKeyId,
      model: row.model,
      status: 'processing',
      response_format: row.responseFormat,
      output_format: row.outputFormat,
      size: row.size,
      quality: row.quality,
      n: row.n,
      prompt: row.prompt,
      input_image_count: row.inputImageCount,
      has_mask: row.hasMask,
      reserved_micros: row.reservedMicros,
      cost_micros: 0,
      image_count: 0,
      output_ids: '[]',
      warnings: '[]',
      attempts: '[]',
      created_at: row.createdAt,
      lease_expires_at: row.leaseExpiresAt,
      webhook_url: row.webhookUrl,
    }),
);

/** Records the outcome once; returns false if the generation is unknown or already finished. */
export async function finishGeneration(db: Kysely<DatabaseSchema>, id: string, outcome: GenerationOutcome): Promise<boolean> {
  return (await finishGenerationReturning(db, id, outcome)) !== undefined;
}

/** Who the finished record belongs to and where its webhook goes: what the outbox needs. */
export interface FinishedGeneration {
  accountId: string;
  webhookUrl: string | null;
}

/**
 * `finishGeneration` that also answers the record's account and webhook URL (`RETURNING`, on
 * SQLite and PostgreSQL alike), so queueing its webhook needs no second read; `undefined` when
 * it was no longer `processing`.
 */
export async function finishGenerationReturning(
  db: Kysely<DatabaseSchema>,
  id: string,
  outcome: GenerationOutcome,
): Promise<FinishedGeneration | undefined> {
  const { rows } = await finishGenerationQuery.execute(db, {
    id,
    status: outcome.status,
    provider: outcome.provider,
    route: outcome.route,
    costMicros: outcome.costMicros,
    latencyMs: outcome.latencyMs,
    imageCount: outcome.imageCount,
    outputIds: JSON.stringify(outcome.outputIds),
    warnings: JSON.stringify(outcome.warnings),
    attempts: JSON.stringify(outcome.attempts),
    errorMessage: outcome.errorMessage,
    errorType: outcome.errorType,
    errorCode: outcome.errorCode ?? null,
    errorParam: outcome.errorParam ?? null,
    httpStatus: outcome.httpStatus,
    finishedAt: outcome.finishedAt,
  });
  const result = rows[0];
  return result === undefined ? undefined : { accountId: result.account_id, webhookUrl: result.webhook_url };
}

/** Every request's last write: prepared once (`db/prepared-query.ts`); JSON columns arrive as text. */
const finishGenerationQuery = prepareQuery(
  (
    db,
    row: Omit<GenerationOutcome, 'outputIds' | 'warnings' | 'attempts' | 'errorCode' | 'errorParam'> & {
      id: string;
      outputIds: string;
      warnings: string;
      attempts: string;
      errorCode: string | null;
      errorParam: string | null;
    },
  ) =>
    db
      .updateTable('generations')
      .set({
        status: row.status,
        provider: row.provider,
        route: row.route,
        cost_micros: row.costMicros,
        latency_ms: row.latencyMs,
        image_count: row.imageCount,
        output_ids: row.outputIds,
        warnings: row.warnings,
        attempts: row.attempts,
        error_message: row.errorMessage,
        error_type: row.errorType,
        error_code: row.errorCode,
        error_param: row.errorParam,
        http_status: row.httpStatus,
        finished_at: row.finishedAt,
        lease_expires_at: null,
      })
      .where('id', '=', row.id)
      .where('status', '=', 'processing')
      .returning(['account_id', 'webhook_url']),
);

/**
 * Pushes a running generation's lease to `until`. False when it is no longer `processing`
 * (finished, or recovered by another replica because this process stalled past its lease).
 */
export async function renewGenerationLease(db: Kysely<DatabaseSchema>, id: string, until: number): Promise<boolean> {
  const result = await db
    .updateTable('generations')
    .set({ lease_expires_at: until })
    .where('id', '=', id)
    .where('status', '=', 'processing')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function getGeneration(db: Kysely<DatabaseSchema>, id: string): Promise<GenerationRecord | undefined> {
  const row = await db.selectFrom('generations').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toGenerationRecord(row);
}

/** Successful generations per model since `sinceMs`, most used first (ties by model id). */
export async function popularModelCounts(db: Kysely<DatabaseSchema>, sinceMs: number): Promise<Array<{ model: string; count: number }>> {
  const rows = await db
    .selectFrom('generations')
    .select((eb) => ['model', eb.fn.countAll<number>().as('count')])
    .where('status', '=', 'success')
    .where('created_at', '>=', sinceMs)
    .groupBy('model')
    .orderBy('count', 'desc')
    .orderBy('model')
    .execute();
  return rows.map((row) => ({ model: row.model, count: Number(row.count) }));
}

/**
 * Retention: forgets prompts of generations created before `before`. The rest of the record
 * stays for usage and billing. Returns how many prompts were cleared.
 */
export async function deleteExpiredPrompts(db: Kysely<DatabaseSchema>, before: number): Promise<number> {
  const result = await db
    .updateTable('generations')
    .set({ prompt: null })
    .where('created_at', '<', before)
    .where('prompt', 'is not', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function insertStoredImage(db: Kysely<DatabaseSchema>, row: StoredImageRecord): Promise<void> {
  await db
    .insertInto('stored_images')
    .values({
      id: row.id,
      generation_id: row.generationId,
      extension: row.extension,
      content_type: row.contentType,
      byte_size: row.byteSize,
      width: row.width,
      height: row.height,
      created_at: row.createdAt,
      expires_at: row.expiresAt,
    })
    .execute();
}

/** The record even if expired: the caller compares `expiresAt` with its clock (the sweeper may lag). */
export async function getStoredImage(db: Kysely<DatabaseSchema>, id: string): Promise<StoredImageRecord | undefined> {
  const row = await db.selectFrom('stored_images').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toStoredImageRecord(row);
}

/** Up to `limit` images with `expiresAt <= now`, longest expired first: one batch for the sweeper. */
export async function listExpiredStoredImages(db: Kysely<DatabaseSchema>, now: number, limit: number): Promise<StoredImageRecord[]> {
  const rows = await db
    .selectFrom('stored_images')
    .selectAll()
    .where('expires_at', '<=', now)
    .orderBy('expires_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(toStoredImageRecord);
}

/** A generation's stored images (expired or not): what erasing it must delete. */
export async function listStoredImagesOfGeneration(db: Kysely<DatabaseSchema>, generationId: string): Promise<StoredImageRecord[]> {
  const rows = await db.selectFrom('stored_images').selectAll().where('generation_id', '=', generationId).execute();
  return rows.map(toStoredImageRecord);
}

/** Forgets one generation's prompt (its owner erased it); the rest of the record stays for usage and billing. */
export async function clearGenerationPrompt(db: Kysely<DatabaseSchema>, id: string): Promise<void> {
  await db.updateTable('generations').set({ prompt: null }).where('id', '=', id).execute();
}

/** Deletes the records (after their files); returns how many existed. */
export async function deleteStoredImages(db: Kysely<DatabaseSchema>, ids: readonly string[]): Promise<number> {
  let deleted = 0;
  for (let start = 0; start < ids.length; start += DELETE_BATCH_SIZE) {
    const batch = ids.slice(start, start + DELETE_BATCH_SIZE);
    const result = await db.deleteFrom('stored_images').where('id', 'in', batch).executeTakeFirst();
    deleted += Number(result.numDeletedRows);
  }
  return deleted;
}

export function toGenerationRecord(row: Selectable<GenerationsTable>): GenerationRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    apiKeyId: row.api_key_id,
    model: row.model,
    responseFormat: row.response_format,
    outputFormat: row.output_format,
    size: row.size,
    quality: row.quality,
    n: row.n,
    prompt: row.prompt,
    inputImageCount: row.input_image_count,
    hasMask: row.has_mask === 1,
    reservedMicros: row.reserved_micros,
    createdAt: row.created_at,
    leaseExpiresAt: row.lease_expires_at,
    webhookUrl: row.webhook_url,
    status: row.status,
    provider: row.provider,
    route: row.route,
    costMicros: row.cost_micros,
    latencyMs: row.latency_ms,
    imageCount: row.image_count,
    outputIds: parseJsonArray(row.output_ids).filter((item): item is string => typeof item === 'string'),
    warnings: parseJsonArray(row.warnings),
    attempts: parseJsonArray(row.attempts),
    errorMessage: row.error_message,
    errorType: row.error_type,
    errorCode: row.error_code,
    errorParam: row.error_param,
    httpStatus: row.http_status,
    finishedAt: row.finished_at,
  };
}

function toStoredImageRecord(row: Selectable<StoredImagesTable>): StoredImageRecord {
  return {
    id: row.id,
    generationId: row.generation_id,
    extension: row.extension,
    contentType: row.content_type,
    byteSize: row.byte_size,
    width: row.width,
    height: row.height,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

/** We wrote these columns ourselves; anything but a JSON array means the row was edited by hand. */
function parseJsonArray(text: string): unknown[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value)) throw new TypeError(`Expected a JSON array in a generation column, got ${text.slice(0, 40)}`);
  return value;
}
