import type { Kysely, Transaction } from 'kysely';
import type { DatabaseSchema, FreeUsageScope } from '../db/database-schema.js';

/** Daily caps on free-model generations; 0 turns a cap off. */
export interface FreeUsageLimits {
  perAccount: number;
  perIp: number;
}

/** Who a free generation counts against. No IP (CLI, jobs): only the account cap applies. */
export interface FreeUsageSubjects {
  accountId: string;
  clientIp: string | undefined;
}

export type FreeUsageClaim =
  | {
      granted: true;
      /** Gives the slot back (the generation failed). Only the first release of a claim counts. */
      release(): Promise<void>;
    }
  | {
      granted: false;
      scope: FreeUsageScope;
      limit: number;
      /** The next UTC midnight (epoch ms), when the counters start again. */
      resetsAt: number;
    };

export interface FreeUsageCaps {
  /** Takes one slot of today's caps for the generation `generationId`, or says which cap is reached. */
  claim(subjects: FreeUsageSubjects, generationId: string): Promise<FreeUsageClaim>;
  /**
   * Gives back the slot of `generationId` (its generation failed), without the claim in hand: a
   * takeover finishes a generation another process claimed the slot for. None claimed: nothing.
   */
  giveBack(generationId: string): Promise<void>;
}

const DAY_MS = 86_400_000;
/** Claims and counters older than this are swept: a claim is only needed while its generation runs. */
const KEEP_MS = 2 * DAY_MS;
const SWEEP_EVERY_MS = 3_600_000;

/**
 * The caps over the `free_usage_counters` table.
 *
 * Why a counter and not a count of today's generations: a count followed by an insert lets twenty
 * concurrent requests all see "4 of 5" and all start. Here each slot is ONE conditional upsert
 * (`used = used + 1 WHERE used < limit`), like the balance reserve in `ledger.ts`: PostgreSQL
 * locks the counter's row until the transaction ends, SQLite runs one writer at a time, so the
 * check and the increment can never interleave. Both caps are taken in one transaction (account
 * first, then IP, always in that order so two transactions can't deadlock): when the IP cap is
 * reached, the account's slot rolls back with it.
 *
 * The same transaction writes the generation's claim row. A failed generation gives its slot back
 * by deleting that row (`giveBackFreeUsage`), which only one caller can do: the process running
 * it, or crash recovery when that process died. So only running and successful generations count.
 */
export function createFreeUsageCaps(db: Kysely<DatabaseSchema>, limits: FreeUsageLimits, clock: () => number): FreeUsageCaps {
  let lastSweep = 0;
  const giveBack = (generationId: string) => db.transaction().execute((trx) => giveBackFreeUsage(trx, generationId));
  return {
    async claim(subjects, generationId) {
      const now = clock();
      if (now - lastSweep >= SWEEP_EVERY_MS) {
        lastSweep = now;
        // Housekeeping only: a failure (a concurrent sweep by another replica) changes no count.
        await sweepOldFreeUsage(db, now).catch(() => undefined);
      }
      const utcDay = utcDayOf(now);
      const counters = countersFor(subjects, limits);
      const refused = await db
        .transaction()
        .execute(async (trx) => {
          for (const counter of counters) {
            // Throwing rolls back the slots this transaction already took.
            if (!(await takeSlot(trx, counter, utcDay))) throw new CapReached(counter);
          }
          await trx
            .insertInto('free_usage_claims')
            .values({
              generation_id: generationId,
              account_subject: counters.find((counter) => counter.scope === 'account')?.subject ?? null,
              ip_subject: counters.find((counter) => counter.scope === 'ip')?.subject ?? null,
              utc_day: utcDay,
              created_at: now,
            })
            .execute();
          return undefined;
        })
        .catch((error: unknown) => {
          if (error instanceof CapReached) return error.counter;
          throw error;
        });
      if (refused !== undefined) return { granted: false, scope: refused.scope, limit: refused.limit, resetsAt: nextUtcMidnight(now) };
      return { granted: true, release: () => giveBack(generationId) };
    },
    giveBack,
  };
}

/**
 * Gives back the free-usage slot of a generation that failed, inside the caller's transaction
 * (crash recovery closes the record, the hold and the slot together). Deleting the claim is what
 * makes it once-only; a generation without a claim (paid, or caps off) changes nothing.
 */
export async function giveBackFreeUsage(trx: Transaction<DatabaseSchema>, generationId: string): Promise<void> {
  const claim = await trx
    .deleteFrom('free_usage_claims')
    .where('generation_id', '=', generationId)
    .returning(['account_subject', 'ip_subject', 'utc_day'])
    .executeTakeFirst();
  if (claim === undefined) return;
  const taken: Array<[FreeUsageScope, string | null]> = [
    ['account', claim.account_subject],
    ['ip', claim.ip_subject],
  ];
  for (const [scope, subject] of taken) {
    if (subject === null) continue;
    await trx
      .updateTable('free_usage_counters')
      .set((eb) => ({ used: eb('used', '-', 1) }))
      .where('scope', '=', scope)
      .where('subject', '=', subject)
      .where('utc_day', '=', claim.utc_day)
      .where('used', '>', 0)
      .execute();
  }
}

interface Counter {
  scope: FreeUsageScope;
  subject: string;
  limit: number;
}

class CapReached extends Error {
  constructor(readonly counter: Counter) {
    super(`free ${counter.scope} cap reached`);
  }
}

function countersFor(subjects: FreeUsageSubjects, limits: FreeUsageLimits): Counter[] {
  const counters: Counter[] = [];
  if (limits.perAccount > 0) counters.push({ scope: 'account', subject: subjects.accountId, limit: limits.perAccount });
  if (limits.perIp > 0 && subjects.clientIp !== undefined) counters.push({ scope: 'ip', subject: subjects.clientIp, limit: limits.perIp });
  return counters;
}

/** One conditional upsert: a row comes back only if a slot was free. */
async function takeSlot(trx: Transaction<DatabaseSchema>, counter: Counter, utcDay: string): Promise<boolean> {
  const row = await trx
    .insertInto('free_usage_counters')
    .values({ scope: counter.scope, subject: counter.subject, utc_day: utcDay, used: 1 })
    .onConflict((conflict) =>
      conflict
        .columns(['scope', 'subject', 'utc_day'])
        .doUpdateSet((eb) => ({ used: eb('free_usage_counters.used', '+', 1) }))
        .where('free_usage_counters.used', '<', counter.limit),
    )
    .returning('used')
    .executeTakeFirst();
  return row !== undefined;
}

/** Claims and counters of past days: no generation runs that long, and no cap looks back. */
async function sweepOldFreeUsage(db: Kysely<DatabaseSchema>, now: number): Promise<void> {
  await db
    .deleteFrom('free_usage_claims')
    .where('created_at', '<', now - KEEP_MS)
    .execute();
  await db
    .deleteFrom('free_usage_counters')
    .where('utc_day', '<', utcDayOf(now - KEEP_MS))
    .execute();
}

/** `YYYY-MM-DD` of `epochMs` in UTC. */
export function utcDayOf(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

export function nextUtcMidnight(epochMs: number): number {
  return (Math.floor(epochMs / DAY_MS) + 1) * DAY_MS;
}
