import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { DatabaseSchema, WebhookDeliveriesTable, WebhookDeliveryStatus } from '../db/database-schema.js';

/** One POST to a webhook URL, as stored and as shown on the generation. */
export interface WebhookAttempt {
  /** Epoch ms when the attempt started. */
  at: number;
  /** The receiver's status; null when no response came (refused, timed out, blocked). */
  http_status: number | null;
  /** Why it failed without a response (never a response body). */
  error: string | null;
  duration_ms: number;
}

export interface WebhookDeliveryRecord {
  id: string;
  generationId: string;
  accountId: string;
  url: string;
  status: WebhookDeliveryStatus;
  attempts: WebhookAttempt[];
  firstAttemptAt: number | null;
  nextAttemptAt: number | null;
  createdAt: number;
  finishedAt: number | null;
}

/** A delivery this dispatcher holds until `leaseExpiresAt`; only the holder of `leaseToken` may record its attempt. */
export interface ClaimedWebhookDelivery extends WebhookDeliveryRecord {
  leaseToken: string;
  leaseExpiresAt: number;
}

/** What an attempt led to: sent again at `nextAttemptAt`, or finished. */
export type WebhookAttemptOutcome = { status: 'pending'; nextAttemptAt: number } | { status: 'delivered' | 'failed' };

/** The outbox of webhook deliveries, as the dispatcher and the generation view use it. */
export interface WebhookOutbox {
  /** Takes up to `limit` due deliveries no other dispatcher holds, each with a lease of `leaseMs`. */
  claimDue(now: number, limit: number, leaseMs: number): Promise<ClaimedWebhookDelivery[]>;
  /** Appends the attempt and sets what follows; false when the lease was lost (another dispatcher took over). */
  recordAttempt(claim: ClaimedWebhookDelivery, attempt: WebhookAttempt, outcome: WebhookAttemptOutcome): Promise<boolean>;
  /** The delivery of a generation, if it has one yet (it is written when the generation finishes). */
  forGeneration(generationId: string): Promise<WebhookDeliveryRecord | undefined>;
}

/**
 * Queues the webhook of a generation that has just finished, if it asked for one. Call it in the
 * transaction that finishes the generation: then a delivery exists exactly when the finish was
 * committed, whatever crashes later. A second call for the same generation changes nothing.
 */
export async function enqueueWebhookDelivery(db: Kysely<DatabaseSchema>, generationId: string, now: number): Promise<void> {
  const generation = await db
    .selectFrom('generations')
    .select(['account_id', 'webhook_url'])
    .where('id', '=', generationId)
    .executeTakeFirst();
  if (generation === undefined) return;
  await queueWebhookDelivery(db, { generationId, accountId: generation.account_id, url: generation.webhook_url }, now);
}

/** `enqueueWebhookDelivery` for a caller that already has the record's account and webhook URL (null: none asked for). */
export async function queueWebhookDelivery(
  db: Kysely<DatabaseSchema>,
  { generationId, accountId, url }: { generationId: string; accountId: string; url: string | null },
  now: number,
): Promise<void> {
  if (url === null) return;
  await db
    .insertInto('webhook_deliveries')
    .values({
      id: `whd_${randomUUID()}`,
      generation_id: generationId,
      account_id: accountId,
      url,
      status: 'pending',
      attempts: '[]',
      first_attempt_at: null,
      next_attempt_at: now,
      lease_token: null,
      lease_expires_at: null,
      created_at: now,
      finished_at: null,
    })
    .onConflict((conflict) => conflict.column('generation_id').doNothing())
    .execute();
}

export function createWebhookOutbox(db: Kysely<DatabaseSchema>): WebhookOutbox {
  return {
    async claimDue(now, limit, leaseMs) {
      const candidates = await db
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', now)]))
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(limit)
        .execute();
      const claimed: ClaimedWebhookDelivery[] = [];
      for (const { id } of candidates) {
        const leaseToken = randomUUID();
        const leaseExpiresAt = now + leaseMs;
        // The claim: the search's conditions re-checked under the row's write lock, so of several
        // replicas that found the same row exactly one takes it.
        const result = await db
          .updateTable('webhook_deliveries')
          .set({ lease_token: leaseToken, lease_expires_at: leaseExpiresAt })
          .where('id', '=', id)
          .where('status', '=', 'pending')
          .where('next_attempt_at', '<=', now)
          .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', now)]))
          .executeTakeFirst();
        if (result.numUpdatedRows === 0n) continue;
        const row = await db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        claimed.push({ ...toDeliveryRecord(row), leaseToken, leaseExpiresAt });
      }
      return claimed;
    },
    async recordAttempt(claim, attempt, outcome) {
      const finished = outcome.status !== 'pending';
      const result = await db
        .updateTable('webhook_deliveries')
        .set({
          status: outcome.status,
          attempts: JSON.stringify([...claim.attempts, attempt]),
          first_attempt_at: claim.firstAttemptAt ?? attempt.at,
          next_attempt_at: outcome.status === 'pending' ? outcome.nextAttemptAt : null,
          lease_token: null,
          lease_expires_at: null,
          finished_at: finished ? attempt.at + attempt.duration_ms : null,
        })
        .where('id', '=', claim.id)
        .where('lease_token', '=', claim.leaseToken)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    async forGeneration(generationId) {
      const row = await db.selectFrom('webhook_deliveries').selectAll().where('generation_id', '=', generationId).executeTakeFirst();
      return row === undefined ? undefined : toDeliveryRecord(row);
    },
  };
}

function toDeliveryRecord(row: Selectable<WebhookDeliveriesTable>): WebhookDeliveryRecord {
  return {
    id: row.id,
    generationId: row.generation_id,
    accountId: row.account_id,
    url: row.url,
    status: row.status,
    attempts: parseAttempts(row.attempts),
    firstAttemptAt: row.first_attempt_at,
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}

/** We wrote the column ourselves; anything else means the row was edited by hand. */
function parseAttempts(text: string): WebhookAttempt[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value)) throw new TypeError(`Expected a JSON array in webhook_deliveries.attempts, got ${text.slice(0, 40)}`);
  return value as WebhookAttempt[];
}
