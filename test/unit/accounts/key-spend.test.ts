import { describe, expect, it } from 'vitest';
import { createApiKey, getApiKey } from '../../../src/accounts/api-key-repository.js';
import { periodEndOf, periodStartOf } from '../../../src/accounts/api-key-limits.js';
import { insertGeneration } from '../../../src/accounts/generation-repository.js';
import { releaseCredits, reserveHold, settleCredits } from '../../../src/accounts/ledger.js';
import { forEachDatabase } from '../../helpers/test-databases.js';
import { newGeneration, usd } from './account-fixtures.js';

describe('spend periods (UTC)', () => {
  it('starts a day at midnight, a week on Monday and a month on the 1st', () => {
    const friday = Date.UTC(2026, 11, 4, 16, 30);
    expect(new Date(periodStartOf('day', friday)).toISOString()).toBe('2026-12-04T00:00:00.000Z');
    expect(new Date(periodStartOf('week', friday)).toISOString()).toBe('2026-11-30T00:00:00.000Z');
    expect(new Date(periodStartOf('week', Date.UTC(2026, 10, 29, 23, 59))).toISOString()).toBe('2026-11-23T00:00:00.000Z');
    expect(new Date(periodStartOf('month', friday)).toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(new Date(periodEndOf('month', periodStartOf('month', friday))).toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(new Date(periodEndOf('week', periodStartOf('week', friday))).toISOString()).toBe('2026-12-07T00:00:00.000Z');
  });
});

forEachDatabase((harness) => {
  describe('key spend limits in the reserve', () => {
    const day = Date.UTC(2026, 11, 4, 10);
    const nextDay = day + 86_400_000;

    async function limitedKey(limitMicros: number) {
      return createApiKey(harness.db, { name: 'limited', creditsMicros: usd(100), spendLimit: { micros: limitMicros, period: 'day' } });
    }
    async function hold(owner: Awaited<ReturnType<typeof limitedKey>>, micros: number, now: number) {
      const generation = newGeneration(owner, { reservedMicros: micros });
      await insertGeneration(harness.db, generation);
      const outcome = await reserveHold(harness.db, {
        accountId: owner.account.id,
        apiKeyId: owner.apiKey.id,
        generationId: generation.id,
        amountMicros: micros,
        now,
      });
      return { generation, outcome };
    }
    const spent = async (id: string) => (await getApiKey(harness.db, id))!.apiKey;

    it('counts holds, gives back what a settle or release returns, and refuses past the limit without touching the balance', async () => {
      const owner = await limitedKey(usd(0.1));
      const first = await hold(owner, usd(0.04), day);
      const second = await hold(owner, usd(0.04), day);
      expect([first.outcome.ok, second.outcome.ok]).toEqual([true, true]);
      const third = await hold(owner, usd(0.04), day);
      expect(third.outcome).toEqual({
        ok: false,
        reason: 'spend_limit',
        reached: {
          limit: { micros: usd(0.1), period: 'day' },
          periodStart: Date.UTC(2026, 11, 4),
          spentMicros: usd(0.08),
          resetsAt: Date.UTC(2026, 11, 5),
        },
      });
      expect((await spent(owner.apiKey.id)).periodSpentMicros).toBe(usd(0.08));
      // A settle below the hold and a release both give back to the period.
      await settleCredits(harness.db, {
        accountId: owner.account.id,
        generationId: first.generation.id,
        reservedMicros: usd(0.04),
        costMicros: usd(0.01),
      });
      await releaseCredits(harness.db, { accountId: owner.account.id, generationId: second.generation.id, reservedMicros: usd(0.04) });
      // Closing twice changes nothing.
      await releaseCredits(harness.db, { accountId: owner.account.id, generationId: second.generation.id, reservedMicros: usd(0.04) });
      expect((await spent(owner.apiKey.id)).periodSpentMicros).toBe(usd(0.01));
      const account = await harness.db
        .selectFrom('accounts')
        .select('balance_micros')
        .where('id', '=', owner.account.id)
        .executeTakeFirst();
      expect(account?.balance_micros).toBe(usd(100) - usd(0.01));
    });

    it('starts a new period afresh, and a late refund of the old period leaves the new one alone', async () => {
      const owner = await limitedKey(usd(0.05));
      const old = await hold(owner, usd(0.05), day);
      expect(old.outcome.ok).toBe(true);
      expect((await hold(owner, usd(0.01), day)).outcome.ok).toBe(false);
      const fresh = await hold(owner, usd(0.05), nextDay);
      expect(fresh.outcome.ok).toBe(true);
      await releaseCredits(harness.db, { accountId: owner.account.id, generationId: old.generation.id, reservedMicros: usd(0.05) });
      const key = await spent(owner.apiKey.id);
      expect([key.periodStart, key.periodSpentMicros]).toEqual([Date.UTC(2026, 11, 5), usd(0.05)]);
    });

    it('is exact under concurrency: 50 holds against a limit for 10', async () => {
      const owner = await limitedKey(usd(0.1));
      const outcomes = await Promise.all(Array.from({ length: 50 }, () => hold(owner, usd(0.01), day)));
      expect(outcomes.filter(({ outcome }) => outcome.ok)).toHaveLength(10);
      expect((await spent(owner.apiKey.id)).periodSpentMicros).toBe(usd(0.1));
    });

    it('a refusal by the balance leaves the key spend unchanged', async () => {
      const owner = await createApiKey(harness.db, {
        name: 'poor',
        creditsMicros: usd(0.01),
        spendLimit: { micros: usd(1), period: 'month' },
      });
      expect((await hold(owner, usd(0.02), day)).outcome).toEqual({ ok: false, reason: 'balance' });
      expect((await spent(owner.apiKey.id)).periodSpentMicros).toBe(0);
    });
  });
});
