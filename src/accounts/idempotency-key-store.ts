import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../db/database-schema.js';

/** A claim another request made first. */
export interface ExistingIdempotencyClaim {
  requestHash: string;
  /** `null` while the first request has not recorded its generation yet. */
  generationId: string | null;
  createdAt: number;
}

export type IdempotencyClaimResult = { claimed: true } | ({ claimed: false } & ExistingIdempotencyClaim);

/** Claims of `Idempotency-Key`s, per account, over the database (so every replica sees them). */
export interface IdempotencyKeyStore {
  /**
   * Claims the key for this request, replacing a claim created before `staleBefore`, or one that
   * never recorded its generation and was created before `orphanedBefore` (its process died). When
   * another request holds it, answers that claim instead.
   */
  claim(input: {
    accountId: string;
    key: string;
    requestHash: string;
    now: number;
    staleBefore: number;
    orphanedBefore: number;
  }): Promise<IdempotencyClaimResult>;
  /** The current claim, or `undefined` once it was released. */
  get(accountId: string, key: string): Promise<ExistingIdempotencyClaim | undefined>;
  linkGeneration(accountId: string, key: string, generationId: string): Promise<void>;
  /** Forgets a claim whose request failed before anything was recorded, so a corrected retry may use the key. */
  release(accountId: string, key: string, requestHash: string): Promise<void>;
  /** Retention: deletes claims created before `before`; returns how many. */
  deleteStale(before: number): Promise<number>;
}

export function createIdempotencyKeyStore(db: Kysely<DatabaseSchema>): IdempotencyKeyStore {
  const get = async (accountId: string, key: string): Promise<ExistingIdempotencyClaim | undefined> => {
    const row = await db
      .selectFrom('idempotency_keys')
      .select(['request_hash', 'generation_id', 'created_at'])
      .where('account_id', '=', accountId)
      .where('key', '=', key)
      .executeTakeFirst();
    return row === undefined
      ? undefined
      : { requestHash: row.request_hash, generationId: row.generation_id, createdAt: Number(row.created_at) };
  };
  return {
    async claim({ accountId, key, requestHash, now, staleBefore, orphanedBefore }) {
      for (;;) {
        // A stale claim is dead weight, not a conflict: Stripe forgets keys after 24 h too. So is
        // a claim whose request never got as far as recording its generation in far longer than
        // a request may take: its process died (kill -9, OOM) and would otherwise block the key a day.
        await db
          .deleteFrom('idempotency_keys')
          .where('account_id', '=', accountId)
          .where('key', '=', key)
          .where((eb) =>
            eb.or([eb('created_at', '<', staleBefore), eb.and([eb('generation_id', 'is', null), eb('created_at', '<', orphanedBefore)])]),
          )
          .execute();
        // ON CONFLICT DO NOTHING on both dialects: a unique violation would abort a PostgreSQL transaction.
        const inserted = await db
          .insertInto('idempotency_keys')
          .values({ account_id: accountId, key, request_hash: requestHash, generation_id: null, created_at: now })
          .onConflict((conflict) => conflict.columns(['account_id', 'key']).doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) return { claimed: true };
        const existing = await get(accountId, key);
        // Released between our INSERT and SELECT: try again.
        if (existing !== undefined) return { claimed: false, ...existing };
      }
    },
    get,
    async linkGeneration(accountId, key, generationId) {
      await db
        .updateTable('idempotency_keys')
        .set({ generation_id: generationId })
        .where('account_id', '=', accountId)
        .where('key', '=', key)
        .execute();
    },
    async release(accountId, key, requestHash) {
      await db
        .deleteFrom('idempotency_keys')
        .where('account_id', '=', accountId)
        .where('key', '=', key)
        .where('request_hash', '=', requestHash)
        .where('generation_id', 'is', null)
        .execute();
    },
    async deleteStale(before) {
      const result = await db.deleteFrom('idempotency_keys').where('created_at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
