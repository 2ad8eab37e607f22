import { randomUUID } from 'node:crypto';
import type { KyselyPlugin } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createApiKey } from '../../../src/accounts/api-key-repository.js';
import { createGenerationRecords } from '../../../src/accounts/generation-records.js';
import { getGeneration } from '../../../src/accounts/generation-repository.js';
import { recoverAbandonedGenerations } from '../../../src/accounts/recover-abandoned-generations.js';
import { ApiError } from '../../../src/errors/api-error.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { imageRequest } from '../../helpers/provider-call.js';
import { forEachDatabase } from '../../helpers/test-databases.js';
import { usd } from './account-fixtures.js';

const now = Date.UTC(2026, 11, 4, 10);

forEachDatabase((harness) => {
  const records = () =>
    createGenerationRecords(harness.db, createMetrics({ defaultMetrics: false }), { clock: () => now, leaseMs: 60_000 });
  const balanceOf = async (accountId: string) =>
    (await harness.db.selectFrom('accounts').select('balance_micros').where('id', '=', accountId).executeTakeFirstOrThrow()).balance_micros;

  describe('startAndReserve: the record and the hold in one transaction', () => {
    const entriesOf = (generationId: string) =>
      harness.db.selectFrom('ledger_entries').select(['kind', 'amount_micros']).where('generation_id', '=', generationId).execute();
    const start = (owner: Awaited<ReturnType<typeof createApiKey>>, reservedMicros: number) => {
      const id = randomUUID();
      const input = {
        id,
        accountId: owner.account.id,
        apiKeyId: owner.apiKey.id,
        request: imageRequest({ model: 'test/test', responseFormat: 'url' }),
        reservedMicros,
        createdAt: now,
      };
      return { id, outcome: records().startAndReserve(input) };
    };

    it('writes the processing record, its lease, the hold and the key count together', async () => {
      const owner = await createApiKey(harness.db, { name: 'k', creditsMicros: usd(1), spendLimit: { micros: usd(0.5), period: 'day' } });
      const { id, outcome } = start(owner, usd(0.2));
      expect(await outcome).toEqual({ ok: true });
      const record = await getGeneration(harness.db, id);
      expect(record).toMatchObject({ status: 'processing', reservedMicros: usd(0.2), leaseExpiresAt: now + 60_000 });
      expect(await balanceOf(owner.account.id)).toBe(usd(0.8));
      expect(await entriesOf(id)).toEqual([{ kind: 'reserve', amount_micros: -usd(0.2) }]);
      const key = await harness.db
        .selectFrom('api_keys')
        .select('period_spent_micros')
        .where('id', '=', owner.apiKey.id)
        .executeTakeFirstOrThrow();
      expect(key.period_spent_micros).toBe(usd(0.2));
    });

    it('writes nothing when the balance is short, not even the key count', async () => {
      const owner = await createApiKey(harness.db, { name: 'k', creditsMicros: usd(0.1), spendLimit: { micros: usd(5), period: 'day' } });
      const { id, outcome } = start(owner, usd(0.2));
      expect(await outcome).toEqual({ ok: false, reason: 'balance' });
      expect(await getGeneration(harness.db, id)).toBeUndefined();
      expect(await entriesOf(id)).toEqual([]);
      expect(await balanceOf(owner.account.id)).toBe(usd(0.1));
      const key = await harness.db
        .selectFrom('api_keys')
        .select('period_spent_micros')
        .where('id', '=', owner.apiKey.id)
        .executeTakeFirstOrThrow();
      expect(key.period_spent_micros).toBe(0);
    });

    it('writes nothing when the key spend limit would be crossed', async () => {
      const owner = await createApiKey(harness.db, { name: 'k', creditsMicros: usd(1), spendLimit: { micros: usd(0.1), period: 'day' } });
      const { id, outcome } = start(owner, usd(0.2));
      expect(await outcome).toMatchObject({ ok: false, reason: 'spend_limit' });
      expect(await getGeneration(harness.db, id)).toBeUndefined();
      expect(await balanceOf(owner.account.id)).toBe(usd(1));
    });

    it('records a free generation without a ledger line', async () => {
      const owner = await createApiKey(harness.db, { name: 'k', creditsMicros: usd(1) });
      const { id, outcome } = start(owner, 0);
      expect(await outcome).toEqual({ ok: true });
      expect(await getGeneration(harness.db, id)).toMatchObject({ status: 'processing', reservedMicros: 0 });
      expect(await entriesOf(id)).toEqual([]);
    });
  });

  describe('fail: the error, the release and the webhook in one transaction', () => {
    const error = new ApiError({ kind: 'upstream_error', message: 'upstream down' });
    const kindsOf = async (generationId: string) =>
      (await harness.db.selectFrom('ledger_entries').select('kind').where('generation_id', '=', generationId).execute())
        .map((entry) => entry.kind)
        .sort();
    const deliveriesOf = async (generationId: string) =>
      (await harness.db.selectFrom('webhook_deliveries').select('id').where('generation_id', '=', generationId).execute()).length;
    /** Any insert into the webhook outbox throws: the last write of `fail`'s transaction breaks. */
    const outboxBroken: KyselyPlugin = {
      transformQuery({ node }) {
        if (node.kind === 'InsertQueryNode' && JSON.stringify(node.into).includes('webhook_deliveries')) throw new Error('disk full');
        return node;
      },
      transformResult: async ({ result }) => result,
    };
    const started = async (reservedMicros: number) => {
      const owner = await createApiKey(harness.db, { name: 'k', creditsMicros: usd(1) });
      const id = randomUUID();
      await records().startAndReserve({
        id,
        accountId: owner.account.id,
        apiKeyId: owner.apiKey.id,
        request: imageRequest({ model: 'test/test', responseFormat: 'url' }),
        reservedMicros,
        createdAt: now,
        webhookUrl: 'https://hooks.example.com/done',
      });
      return { id, accountId: owner.account.id };
    };

    it('ends the record, gives the hold back and queues the webhook together', async () => {
      const { id, accountId } = await started(usd(0.3));
      await records().fail({
        id,
        model: 'test/test',
        error,
        attempts: [],
        finishedAt: now + 5,
        release: { accountId, reservedMicros: usd(0.3) },
      });
      expect(await getGeneration(harness.db, id)).toMatchObject({ status: 'error', costMicros: 0, errorMessage: 'upstream down' });
      expect(await kindsOf(id)).toEqual(['release', 'reserve']);
      expect(await balanceOf(accountId)).toBe(usd(1));
      expect(await deliveriesOf(id)).toBe(1);
    });

    it('does none of it when a write fails: the record stays processing with its hold, and recovery closes both', async () => {
      const { id, accountId } = await started(usd(0.3));
      const broken = createGenerationRecords(harness.db.withPlugin(outboxBroken), createMetrics({ defaultMetrics: false }), {
        clock: () => now,
        leaseMs: 60_000,
      });
      await expect(
        broken.fail({ id, model: 'test/test', error, attempts: [], finishedAt: now + 5, release: { accountId, reservedMicros: usd(0.3) } }),
      ).rejects.toThrow('disk full');
      expect(await getGeneration(harness.db, id)).toMatchObject({ status: 'processing' });
      expect(await kindsOf(id)).toEqual(['reserve']);
      expect(await balanceOf(accountId)).toBe(usd(0.7));

      const recovered = await recoverAbandonedGenerations(harness.db, { now: now + 60_001, unleasedCreatedBefore: now });
      expect(recovered.released).toContain(id);
      expect(await kindsOf(id)).toEqual(['release', 'reserve']);
      expect(await balanceOf(accountId)).toBe(usd(1));
    });

    it('releases nothing for a record someone else already closed', async () => {
      const { id, accountId } = await started(usd(0.3));
      await recoverAbandonedGenerations(harness.db, { now: now + 60_001, unleasedCreatedBefore: now });
      await records().fail({
        id,
        model: 'test/test',
        error,
        attempts: [],
        finishedAt: now + 70_000,
        release: { accountId, reservedMicros: usd(0.3) },
      });
      expect(await kindsOf(id)).toEqual(['release', 'reserve']);
      expect(await balanceOf(accountId)).toBe(usd(1));
      expect(await deliveriesOf(id)).toBe(1);
    });
  });
});
