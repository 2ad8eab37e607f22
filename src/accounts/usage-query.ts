import { type Kysely, type RawBuilder, type SelectQueryBuilder, sql } from 'kysely';
import { GENERATION_STATUSES, type DatabaseSchema, type GenerationStatus } from '../db/database-schema.js';
import { toSafeInteger } from '../db/to-safe-integer.js';
import { nextCursor, olderThanCursor } from './page-cursor.js';

/** Which generations a usage query covers; every field optional. */
export interface UsageFilters {
  accountId?: string;
  apiKeyId?: string;
  model?: string;
  provider?: string;
  status?: GenerationStatus;
  /** Epoch ms, inclusive. */
  fromMs?: number;
  /** Epoch ms, exclusive. */
  toMs?: number;
}

/** The statuses a usage filter accepts, for layers that may not read the schema module (http/). */
export const USAGE_STATUSES = GENERATION_STATUSES;

export const USAGE_GROUPS = ['day', 'model', 'api_key', 'provider'] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

/** One generation as usage reports it (no prompt: usage is about money and volume). */
export interface UsageRecord {
  id: string;
  createdAt: number;
  accountId: string;
  apiKeyId: string;
  model: string;
  provider: string | null;
  status: GenerationStatus;
  n: number;
  imageCount: number;
  costMicros: number;
  latencyMs: number | null;
  errorType: string | null;
}

export interface UsagePage {
  generations: UsageRecord[];
  nextCursor: string | null;
}

export interface UsageTotal {
  /** The day (`YYYY-MM-DD`, UTC), model, api key id or provider; `null` for generations without a provider. */
  key: string | null;
  count: number;
  images: number;
  costMicros: number;
}

const MS_PER_DAY = 86_400_000;

/** Generations newest first (created_at desc, id desc: stable under concurrent inserts of older rows). */
export async function listUsage(
  db: Kysely<DatabaseSchema>,
  filters: UsageFilters,
  options: { limit: number; cursor?: string },
): Promise<UsagePage> {
  let query = filtered(db, filters).select([
    'id',
    'created_at',
    'account_id',
    'api_key_id',
    'model',
    'provider',
    'status',
    'n',
    'image_count',
    'cost_micros',
    'latency_ms',
    'error_type',
  ]);
  if (options.cursor !== undefined) {
    query = query.where(olderThanCursor(options.cursor));
  }
  const rows = await query
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit + 1)
    .execute();
  const records: UsageRecord[] = rows.map((row) => ({
    id: row.id,
    createdAt: toSafeInteger(row.created_at, 'created_at'),
    accountId: row.account_id,
    apiKeyId: row.api_key_id,
    model: row.model,
    provider: row.provider,
    status: row.status,
    n: row.n,
    imageCount: row.image_count,
    costMicros: toSafeInteger(row.cost_micros, 'cost'),
    latencyMs: row.latency_ms,
    errorType: row.error_type,
  }));
  const { page, nextCursor: cursor } = nextCursor(records, options.limit);
  return { generations: page, nextCursor: cursor };
}

/** Totals per group, largest key first for days (newest), else by cost then count. */
export async function usageTotals(db: Kysely<DatabaseSchema>, filters: UsageFilters, groupBy: UsageGroup): Promise<UsageTotal[]> {
  // Integer division on both dialects: created_at is BIGINT epoch ms.
  const groupExpression: RawBuilder<unknown> =
    groupBy === 'day' ? sql`created_at / ${sql.lit(MS_PER_DAY)}` : sql.ref(groupBy === 'api_key' ? 'api_key_id' : groupBy);
  const rows = await filtered(db, filters)
    .select((eb) => [
      groupExpression.as('group_key'),
      eb.fn.countAll<number>().as('count'),
      eb.fn.sum<string | number | null>('image_count').as('images'),
      eb.fn.sum<string | number | null>('cost_micros').as('cost_micros'),
    ])
    .groupBy(groupExpression)
    .execute();
  const totals = rows.map((row) => ({
    key: groupBy === 'day' ? dayOf(row.group_key) : typeof row.group_key === 'string' ? row.group_key : null,
    count: toSafeInteger(row.count, 'count'),
    images: toSafeInteger(row.images, 'images'),
    costMicros: toSafeInteger(row.cost_micros, 'cost'),
  }));
  if (groupBy === 'day') return totals.sort((a, b) => (a.key! < b.key! ? 1 : a.key! > b.key! ? -1 : 0));
  return totals.sort((a, b) => b.costMicros - a.costMicros || b.count - a.count || String(a.key).localeCompare(String(b.key)));
}

function dayOf(dayNumber: unknown): string {
  return new Date(toSafeInteger(dayNumber, 'day') * MS_PER_DAY).toISOString().slice(0, 10);
}

function filtered(db: Kysely<DatabaseSchema>, filters: UsageFilters): SelectQueryBuilder<DatabaseSchema, 'generations', object> {
  let query: SelectQueryBuilder<DatabaseSchema, 'generations', object> = db.selectFrom('generations');
  if (filters.accountId !== undefined) query = query.where('account_id', '=', filters.accountId);
  if (filters.apiKeyId !== undefined) query = query.where('api_key_id', '=', filters.apiKeyId);
  if (filters.model !== undefined) query = query.where('model', '=', filters.model);
  if (filters.provider !== undefined) query = query.where('provider', '=', filters.provider);
  if (filters.status !== undefined) query = query.where('status', '=', filters.status);
  if (filters.fromMs !== undefined) query = query.where('created_at', '>=', filters.fromMs);
  if (filters.toMs !== undefined) query = query.where('created_at', '<', filters.toMs);
  return query;
}
