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
      /** Gives the slot back (the generation failed). Safe to call more than once: only the first counts. */
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
  /** Takes one slot of today's caps for a free generation, or says which cap is reached. */
  claim(subjects: FreeUsageSubjects): Promise<FreeUsageClaim>;
}

const DAY_MS = 86_400_000;

/**
 * The caps over the `free_usage_counters` table.
 *
 * Why a counter and not a count of today's generations: a count followed by an insert lets twenty
 * concurrent requests all see "4 of 5" and all start. Here each slot is ONE conditional upsert
 * (`used = used + 1 WHERE used < limit`), like the balance reserve in `ledger.ts`: PostgreSQL
 * locks the counter's row for the rest of the transaction, SQLite runs one writer at a time, so
 * the check and the increment can never interleave. Both caps are taken in one transaction
 * (account first, then IP, always in that order so two transactions can't deadlock): when the IP
 * cap is reached, the account's slot rolls back with it.
 *
 * A failed generation gives its slot back (`release`), so only running and successful generations
 * count. A process that dies mid-generation never releases: its slot stays used until midnight
 * (the error is on the safe side).
 */
export function createFreeUsageCaps(db: Kysely<DatabaseSchema>, limits: FreeUsageLimits, clock: () => number): FreeUsageCaps {
  return {
    async claim(subjects) {
      const now = clock();
      const utcDay = utcDayOf(now);
      const counters = countersFor(subjects, limits);
      const refused = await db
        .transaction()
        .execute(async (trx) => {
          for (const counter of counters) {
            if (!(await takeSlot(trx, counter, utcDay))) {
              // Rolls back the slots this transaction already took.
              throw new CapReached(counter);
            }
          }
          return undefined;
        })
        .catch((error: unknown) => {
          if (error instanceof CapReached) return error.counter;
          throw error;
        });
      if (refused !== undefined) return { granted: false, scope: refused.scope, limit: refused.limit, resetsAt: nextUtcMidnight(now) };
      let released = false;
      return {
        granted: true,
        async release() {
          if (released) return;
          released = true;
          await db.transaction().execute(async (trx) => {
            for (const counter of counters) await giveSlotBack(trx, counter, utcDay);
          });
        },
      };
    },
  };
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

async function giveSlotBack(trx: Transaction<DatabaseSchema>, counter: Counter, utcDay: string): Promise<void> {
  await trx
    .updateTable('free_usage_counters')
    .set((eb) => ({ used: eb('used', '-', 1) }))
    .where('scope', '=', counter.scope)
    .where('subject', '=', counter.subject)
    .where('utc_day', '=', utcDay)
    .where('used', '>', 0)
    .execute();
}

/** `YYYY-MM-DD` of `epochMs` in UTC. */
export function utcDayOf(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

export function nextUtcMidnight(epochMs: number): number {
  return (Math.floor(epochMs / DAY_MS) + 1) * DAY_MS;
}
