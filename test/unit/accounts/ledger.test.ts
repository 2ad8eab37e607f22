import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { grantCredits, releaseCredits, reserveCredits, settleCredits } from '../../../src/accounts/ledger.js';
import type { DatabaseSchema } from '../../../src/db/database-schema.js';
import { forEachDatabase } from '../../helpers/test-databases.js';
import { createKeyWithCredits, usd } from './account-fixtures.js';

async function balanceOf(db: Kysely<DatabaseSchema>, accountId: string): Promise<number | null> {
  const row = await db.selectFrom('accounts').select('balance_micros').where('id', '=', accountId).executeTakeFirstOrThrow();
  return row.balance_micros;
}

async function entriesOf(db: Kysely<DatabaseSchema>, accountId: string) {
  return db
    .selectFrom('ledger_entries')
    .select(['kind', 'amount_micros', 'generation_id', 'note'])
    .where('account_id', '=', accountId)
    .orderBy('created_at')
    .orderBy('kind')
    .execute();
}

describe('ledger', () => {
  forEachDatabase((harness) => {
    it('never overdraws: 50 concurrent 1 USD reserves on 10 USD succeed exactly 10 times', async () => {
      const { account } = await createKeyWithCredits(harness.db, 10);
      // On PostgreSQL, half the requests come through a second pool: another replica.
      const replica = harness.dialect === 'postgres' ? await harness.open(harness.url) : harness.database;
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          reserveCredits((index % 2 === 0 ? harness.database : replica).db, {
            accountId: account.id,
            amountMicros: usd(1),
            generationId: randomUUID(),
          }),
        ),
      );
      expect(outcomes.filter(Boolean)).toHaveLength(10);
      expect(await balanceOf(harness.db, account.id)).toBe(0);
      const reserves = (await entriesOf(harness.db, account.id)).filter((entry) => entry.kind === 'reserve');
      expect(reserves).toHaveLength(10);
      expect(reserves.every((entry) => entry.amount_micros === -usd(1))).toBe(true);
    });

    it('refuses a reserve above the balance without writing anything', async () => {
      const { account } = await createKeyWithCredits(harness.db, 1);
      expect(await reserveCredits(harness.db, { accountId: account.id, amountMicros: usd(1) + 1, generationId: 'g-too-much' })).toBe(false);
      expect(await reserveCredits(harness.db, { accountId: 'no-such-account', amountMicros: 1, generationId: 'g-nobody' })).toBe(false);
      expect(await balanceOf(harness.db, account.id)).toBe(usd(1));
      expect(await entriesOf(harness.db, account.id)).toHaveLength(1); // the grant
      expect(await reserveCredits(harness.db, { accountId: account.id, amountMicros: 0, generationId: 'g-free' })).toBe(true);
      expect(await entriesOf(harness.db, account.id)).toHaveLength(1);
    });

    it('settles: keeps the cost, gives back the rest, and the ledger sums to the balance', async () => {
      const { account } = await createKeyWithCredits(harness.db, 10);
      expect(await reserveCredits(harness.db, { accountId: account.id, amountMicros: usd(2), generationId: 'g1' })).toBe(true);
      expect(
        await settleCredits(harness.db, { accountId: account.id, generationId: 'g1', reservedMicros: usd(2), costMicros: usd(0.5) }),
      ).toEqual({
        applied: true,
        refundedMicros: usd(1.5),
        chargedMicros: usd(0.5),
      });
      expect(await balanceOf(harness.db, account.id)).toBe(usd(9.5));
      const entries = await entriesOf(harness.db, account.id);
      expect(entries.filter((entry) => entry.kind !== 'grant')).toEqual([
        { kind: 'reserve', amount_micros: -usd(2), generation_id: 'g1', note: null },
        { kind: 'settle', amount_micros: usd(1.5), generation_id: 'g1', note: null },
      ]);
      expect(entries.reduce((sum, entry) => sum + entry.amount_micros, 0)).toBe(usd(9.5));
    });

    it('releases the whole reserve on failure', async () => {
      const { account } = await createKeyWithCredits(harness.db, 3);
      await reserveCredits(harness.db, { accountId: account.id, amountMicros: usd(3), generationId: 'g2' });
      expect(await balanceOf(harness.db, account.id)).toBe(0);
      expect(
        await releaseCredits(harness.db, { accountId: account.id, generationId: 'g2', reservedMicros: usd(3), note: 'upstream_error' }),
      ).toEqual({
        applied: true,
        refundedMicros: usd(3),
        chargedMicros: 0,
      });
      expect(await balanceOf(harness.db, account.id)).toBe(usd(3));
      expect((await entriesOf(harness.db, account.id)).find((entry) => entry.kind === 'release')).toEqual({
        kind: 'release',
        amount_micros: usd(3),
        generation_id: 'g2',
        note: 'upstream_error',
      });
    });

    it('closes a reserve once: a second settle or release changes nothing, even concurrently', async () => {
      const { account } = await createKeyWithCredits(harness.db, 5);
      await reserveCredits(harness.db, { accountId: account.id, amountMicros: usd(4), generationId: 'g3' });
      const closings = await Promise.all([
        settleCredits(harness.db, { accountId: account.id, generationId: 'g3', reservedMicros: usd(4), costMicros: usd(1) }),
        settleCredits(harness.db, { accountId: account.id, generationId: 'g3', reservedMicros: usd(4), costMicros: usd(1) }),
        releaseCredits(harness.db, { accountId: account.id, generationId: 'g3', reservedMicros: usd(4) }),
      ]);
      expect(closings.filter((closing) => closing.applied)).toHaveLength(1);
      expect(closings.filter((closing) => !closing.applied)).toEqual([
        { applied: false, refundedMicros: 0, chargedMicros: 0 },
        { applied: false, refundedMicros: 0, chargedMicros: 0 },
      ]);
      const balance = await balanceOf(harness.db, account.id);
      expect([usd(4), usd(5)]).toContain(balance); // settled (1 + 3 back) or released (4 back)
      const entries = await entriesOf(harness.db, account.id);
      expect(entries.reduce((sum, entry) => sum + entry.amount_micros, 0)).toBe(balance);
    });

    it('never charges more than the reserve, noting the difference', async () => {
      const { account } = await createKeyWithCredits(harness.db, 10);
      await reserveCredits(harness.db, { accountId: account.id, amountMicros: usd(1), generationId: 'g4' });
      const result = await settleCredits(harness.db, {
        accountId: account.id,
        generationId: 'g4',
        reservedMicros: usd(1),
        costMicros: usd(1.25),
      });
      expect(result).toEqual({ applied: true, refundedMicros: 0, chargedMicros: usd(1) });
      expect(await balanceOf(harness.db, account.id)).toBe(usd(9));
      const settle = (await entriesOf(harness.db, account.id)).find((entry) => entry.kind === 'settle');
      expect(settle).toMatchObject({ kind: 'settle', amount_micros: 0 });
      expect(settle?.note).toBe('cost 1250000 micro-USD exceeded the reserve 1000000 by 250000; charged the reserve only');
    });

    it('keeps unlimited accounts unlimited while writing every entry', async () => {
      const { account } = await createKeyWithCredits(harness.db, null);
      expect(await reserveCredits(harness.db, { accountId: account.id, amountMicros: usd(1_000_000), generationId: 'g5' })).toBe(true);
      await settleCredits(harness.db, { accountId: account.id, generationId: 'g5', reservedMicros: usd(1_000_000), costMicros: usd(3) });
      expect(await grantCredits(harness.db, account.id, usd(20), 'top-up')).toBeNull();
      expect(await balanceOf(harness.db, account.id)).toBeNull();
      expect((await entriesOf(harness.db, account.id)).map((entry) => entry.kind).sort()).toEqual(['grant', 'reserve', 'settle']);
    });

    it('grants credits and returns the new balance', async () => {
      const { account } = await createKeyWithCredits(harness.db, 1);
      expect(await grantCredits(harness.db, account.id, usd(2.5), 'deposit')).toBe(usd(3.5));
      await expect(grantCredits(harness.db, 'no-such-account', 1, null)).rejects.toMatchObject({ kind: 'not_found' });
      await expect(grantCredits(harness.db, account.id, 0, null)).rejects.toMatchObject({ kind: 'invalid_request' });
    });

    it('rejects amounts that are not non-negative integer micro-USD', async () => {
      const { account } = await createKeyWithCredits(harness.db, 1);
      await expect(reserveCredits(harness.db, { accountId: account.id, amountMicros: -1, generationId: 'x' })).rejects.toThrow(RangeError);
      await expect(reserveCredits(harness.db, { accountId: account.id, amountMicros: 0.5, generationId: 'x' })).rejects.toThrow(RangeError);
      await expect(
        settleCredits(harness.db, { accountId: account.id, generationId: 'x', reservedMicros: 1, costMicros: Number.NaN }),
      ).rejects.toThrow(RangeError);
    });
  });
});
