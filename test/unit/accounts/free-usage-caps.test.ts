import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createFreeUsageCaps, nextUtcMidnight, utcDayOf, type FreeUsageClaim } from '../../../src/accounts/free-usage-caps.js';
import { insertGeneration, insertStoredImage } from '../../../src/accounts/generation-repository.js';
import { recoverAbandonedGenerations } from '../../../src/accounts/recover-abandoned-generations.js';
import type { DatabaseSchema } from '../../../src/db/database-schema.js';
import { forEachDatabase } from '../../helpers/test-databases.js';
import { createKeyWithCredits, newGeneration } from './account-fixtures.js';

const NOW = Date.UTC(2026, 11, 4, 12, 0, 0);

async function used(db: Kysely<DatabaseSchema>, subject: string): Promise<number | undefined> {
  const row = await db.selectFrom('free_usage_counters').select('used').where('subject', '=', subject).executeTakeFirst();
  return row?.used;
}

function granted(claim: FreeUsageClaim): Extract<FreeUsageClaim, { granted: true }> {
  if (!claim.granted) throw new Error(`expected a granted claim, got the ${claim.scope} cap`);
  return claim;
}

describe('free-usage caps', () => {
  it('knows the UTC day and the next UTC midnight', () => {
    expect(utcDayOf(Date.UTC(2026, 11, 4, 23, 59, 59, 999))).toBe('2026-12-04');
    expect(nextUtcMidnight(Date.UTC(2026, 11, 4, 23, 59, 59, 999))).toBe(Date.UTC(2026, 11, 5));
    expect(nextUtcMidnight(Date.UTC(2026, 11, 5))).toBe(Date.UTC(2026, 11, 6));
  });

  forEachDatabase((harness) => {
    it('grants up to the limit, refuses after, and a release gives one slot back once', async () => {
      const caps = createFreeUsageCaps(harness.db, { perAccount: 2, perIp: 0 }, () => NOW);
      const account = randomUUID();
      const first = granted(await caps.claim({ accountId: account, clientIp: '192.0.2.1' }, randomUUID()));
      granted(await caps.claim({ accountId: account, clientIp: '192.0.2.1' }, randomUUID()));
      expect(await caps.claim({ accountId: account, clientIp: '192.0.2.1' }, randomUUID())).toEqual({
        granted: false,
        scope: 'account',
        limit: 2,
        resetsAt: Date.UTC(2026, 11, 5),
      });
      await first.release();
      await first.release();
      expect(await used(harness.db, account)).toBe(1);
      // With the per-IP cap off, no IP is counted.
      expect(await used(harness.db, '192.0.2.1')).toBeUndefined();
    });

    it('takes neither slot when the IP cap is reached', async () => {
      const caps = createFreeUsageCaps(harness.db, { perAccount: 5, perIp: 1 }, () => NOW);
      const [one, two] = [randomUUID(), randomUUID()];
      granted(await caps.claim({ accountId: one, clientIp: '198.51.100.20' }, randomUUID()));
      expect(await caps.claim({ accountId: two, clientIp: '198.51.100.20' }, randomUUID())).toMatchObject({ granted: false, scope: 'ip' });
      expect(await used(harness.db, two)).toBeUndefined();
      // No IP (the CLI): only the account cap applies.
      granted(await caps.claim({ accountId: two, clientIp: undefined }, randomUUID()));
    });

    it('gives back the slot of a free generation that crash recovery finishes as error, not of one it settles', async () => {
      const owner = await createKeyWithCredits(harness.db, null);
      const caps = createFreeUsageCaps(harness.db, { perAccount: 2, perIp: 0 }, () => NOW);
      const [failed, delivered] = [newGeneration(owner, { leaseExpiresAt: NOW - 1 }), newGeneration(owner, { leaseExpiresAt: NOW - 1 })];
      for (const generation of [failed, delivered]) {
        granted(await caps.claim({ accountId: owner.account.id, clientIp: undefined }, generation.id));
        await insertGeneration(harness.db, generation);
      }
      await insertStoredImage(harness.db, {
        id: randomUUID(),
        generationId: delivered.id,
        extension: 'webp',
        contentType: 'image/webp',
        byteSize: 100,
        width: 64,
        height: 64,
        createdAt: NOW - 1_000,
        expiresAt: NOW + 86_400_000,
      });
      expect(await used(harness.db, owner.account.id)).toBe(2);

      const recovered = await recoverAbandonedGenerations(harness.db, { now: NOW, unleasedCreatedBefore: NOW - 360_000 });
      expect(recovered).toEqual({ released: [failed.id], settled: [delivered.id] });
      expect(await used(harness.db, owner.account.id)).toBe(1);
      await recoverAbandonedGenerations(harness.db, { now: NOW + 1_000, unleasedCreatedBefore: NOW - 360_000 });
      expect(await used(harness.db, owner.account.id)).toBe(1);
    });
  });
});
