import type { Kysely } from 'kysely';
import type { DatabaseSchema, GenerationStatus } from '../db/database-schema.js';
import { toGenerationRecord, type GenerationRecord } from './generation-repository.js';
import { nextCursor, olderThanCursor } from './page-cursor.js';

/** Which of an account's generations a listing shows; the account is required, the rest optional. */
export interface GenerationListFilters {
  accountId: string;
  model?: string;
  status?: GenerationStatus;
  apiKeyId?: string;
}

export interface GenerationListPage {
  generations: GenerationRecord[];
  nextCursor: string | null;
}

/** An account's generations newest first, in the same keyset order (and cursor) as usage. */
export async function listGenerations(
  db: Kysely<DatabaseSchema>,
  filters: GenerationListFilters,
  page: { limit: number; cursor?: string },
): Promise<GenerationListPage> {
  let query = db.selectFrom('generations').selectAll().where('account_id', '=', filters.accountId);
  if (filters.model !== undefined) query = query.where('model', '=', filters.model);
  if (filters.status !== undefined) query = query.where('status', '=', filters.status);
  if (filters.apiKeyId !== undefined) query = query.where('api_key_id', '=', filters.apiKeyId);
  if (page.cursor !== undefined) query = query.where(olderThanCursor(page.cursor));
  const rows = await query
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit + 1)
    .execute();
  const { page: records, nextCursor: cursor } = nextCursor(rows.map(toGenerationRecord), page.limit);
  return { generations: records, nextCursor: cursor };
}
