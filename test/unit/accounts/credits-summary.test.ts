import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { type CreatedApiKey, createApiKey, revokeApiKey } from '../../../src/accounts/api-key-repository.js';
import { creditsSummary } from '../../../src/accounts/credits-summary.js';
import { finishGeneration, insertGeneration } from '../../../src/accounts/generation-repository.js';
import { releaseCredits, reserveCredits, settleCredits } from '../../../src/accounts/ledger.js';
import type { DatabaseSchema } from '../../../src/db/database-schema.js';
import { forEachDatabase } from '../../helpers/test-databases.js';
import { createKeyWithCredits, newGeneration, usd } from './account-fixtures.js';

/** The whole flow the generation use case runs: record → reserve → settle or release → finish. */
async function spend(db: Kysely<DatabaseSchema>, owner: CreatedApiKey, reservedMicros: number, costMicros: number | 'fail'): Promise<void> {
  const generation = newGeneration(owner, { reservedMicros });
  await insertGeneration(db, generation);
  expect(await reserveCredits(db, { accountId: owner.account.id, amountMicros: reservedMicros, generationId: generation.id })).toBe(true);
  const base = { provider: 'test', route: 'test', latencyMs: 5, outputIds: [], warnings: [], attempts: [], finishedAt: Date.now() };
  if (costMicros === 'fail') {
    await releaseCredits(db, { accountId: owner.account.id, generationId: generation.id, reservedMicros });
    await finishGeneration(db, generation.id, {
      ...base,
      status: 'error',
      costMicros: 0,
      imageCount: 0,
      errorMessage: 'upstream failed',
      errorType: 'upstream_error',
      httpStatus: 502,
    });
    return;
  }
  const { chargedMicros } = await settleCredits(db, {
    accountId: owner.account.id,
    generationId: generation.id,
    reservedMicros,
    costMicros,
  });
  await finishGeneration(db, generation.id, {
    ...base,
    status: 'success',
    costMicros: chargedMicros,
    imageCount: 1,
    errorMessage: null,
    errorType: null,
    httpStatus: 200,
  });
}

describe('creditsSummary', () => {
  forEachDatabase((harness) => {
    it('reports remaining, usage and deposits as 4-decimal USD strings', async () => {
      const owner = await createKeyWithCredits(harness.db, 30);
      await spend(harness.db, owner, usd(5), usd(4.5));
      await spend(harness.db, owner, usd(2), 'fail');
      expect(await creditsSummary(harness.db, owner.account.id, { byApiKey: false })).toEqual({
        remaining_credits: '25.5000',
        credit_usage: '4.5000',
        total_deposits: '30.0000',
        unlimited: false,
      });
    });

    it('reports an unlimited account with null remaining credits', async () => {
      const owner = await createKeyWithCredits(harness.db, null);
      await spend(harness.db, owner, usd(0.04), usd(0.04));
      expect(await creditsSummary(harness.db, owner.account.id, { byApiKey: false })).toEqual({
        remaining_credits: null,
        credit_usage: '0.0400',
        total_deposits: '0.0000',
        unlimited: true,
      });
    });

    it('breaks usage down by api key, failed requests counted at no cost', async () => {
      const first = await createApiKey(harness.db, { name: 'server', creditsMicros: usd(10), now: Date.UTC(2026, 0, 1) });
      const second = await createApiKey(harness.db, { name: 'laptop', accountId: first.account.id, now: Date.UTC(2026, 0, 2) });
      const idle = await createApiKey(harness.db, { name: 'idle', accountId: first.account.id, now: Date.UTC(2026, 0, 3) });
      await spend(harness.db, first, usd(1), usd(0.25));
      await spend(harness.db, first, usd(1), 'fail');
      await spend(harness.db, second, usd(1), usd(1));
      await revokeApiKey(harness.db, idle.apiKey.id);
      const summary = await creditsSummary(harness.db, first.account.id, { byApiKey: true });
      expect(summary).toMatchObject({ remaining_credits: '8.7500', credit_usage: '1.2500', total_deposits: '10.0000' });
      expect(summary.usage_by_api_key).toMatchObject([
        {
          api_key_id: first.apiKey.id,
          api_key_name: 'server',
          credit_usage: '0.2500',
          total_requests: 2,
          created_at: '2026-01-01T00:00:00.000Z',
          is_active: true,
        },
        {
          api_key_id: second.apiKey.id,
          api_key_name: 'laptop',
          credit_usage: '1.0000',
          total_requests: 1,
          created_at: '2026-01-02T00:00:00.000Z',
          is_active: true,
        },
        {
          api_key_id: idle.apiKey.id,
          api_key_name: 'idle',
          credit_usage: '0.0000',
          total_requests: 0,
          created_at: '2026-01-03T00:00:00.000Z',
          is_active: false,
        },
      ]);
    });

    it('is not_found for an unknown account', async () => {
      await expect(creditsSummary(harness.db, 'no-such-account', { byApiKey: false })).rejects.toMatchObject({ kind: 'not_found' });
    });
  });
});
