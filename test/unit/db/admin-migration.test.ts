import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { releaseCredits, reserveCredits } from '../../../src/accounts/ledger.js';
import type { DatabaseSchema } from '../../../src/db/database-schema.js';
import * as adminMigration from '../../../src/db/migrations/0006-admin.js';
import { forEachDatabase } from '../../helpers/test-databases.js';

/** Migration 0006 (ledger kind `adjust`): existing entries survive, and the closing-once index still guards releases. */
forEachDatabase((harness) => {
  describe('migration 0006-admin', () => {
    it('keeps the ledger and its closing-once rule across down and up', async () => {
      const database = await harness.openFresh();
      const db = database.db;
      const accountId = randomUUID();
      await db.insertInto('accounts').values({ id: accountId, name: 'm', balance_micros: 100, created_at: 1 }).execute();
      await db
        .insertInto('ledger_entries')
        .values({
          id: randomUUID(),
          account_id: accountId,
          kind: 'grant',
          amount_micros: 100,
          generation_id: null,
          note: 'n',
          created_at: 1,
        })
        .execute();
      // A column another migration might have added must survive the SQLite rebuild.
      await sql`alter table ledger_entries add column extra text`.execute(db);
      await sql`update ledger_entries set extra = 'kept'`.execute(db);
      const generationId = randomUUID();
      expect(await reserveCredits(db, { accountId, amountMicros: 40, generationId })).toBe(true);

      await adminMigration.down(db as unknown as Kysely<unknown>);
      await expect(insertAdjust(db, accountId)).rejects.toThrow();
      await adminMigration.up(db as unknown as Kysely<unknown>);
      await insertAdjust(db, accountId);

      const kinds = (await db.selectFrom('ledger_entries').select('kind').orderBy('created_at').execute()).map((row) => row.kind);
      expect(kinds.sort()).toEqual(['adjust', 'grant', 'reserve']);
      const extras = await sql<{ extra: string | null }>`select extra from ledger_entries where kind = 'grant'`.execute(db);
      expect(extras.rows).toEqual([{ extra: 'kept' }]);
      const release = { accountId, generationId, reservedMicros: 40 };
      expect((await releaseCredits(db, release)).applied).toBe(true);
      expect((await releaseCredits(db, release)).applied).toBe(false);
      const balance = await db.selectFrom('accounts').select('balance_micros').where('id', '=', accountId).executeTakeFirstOrThrow();
      expect(balance.balance_micros).toBe(100);
    });
  });
});

function insertAdjust(db: Kysely<DatabaseSchema>, accountId: string) {
  return db
    .insertInto('ledger_entries')
    .values({ id: randomUUID(), account_id: accountId, kind: 'adjust', amount_micros: 0, generation_id: null, note: null, created_at: 2 })
    .execute();
}
