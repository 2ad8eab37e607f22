import { describe, expect, it } from 'vitest';
import { insertGeneration } from '../../../src/accounts/generation-repository.js';
import { recoverAbandonedGenerations } from '../../../src/accounts/recover-abandoned-generations.js';
import { createWebhookOutbox, enqueueWebhookDelivery } from '../../../src/accounts/webhook-outbox.js';
import { forEachDatabase } from '../../helpers/test-databases.js';
import { createKeyWithCredits, newGeneration } from './account-fixtures.js';

const NOW = 1_900_000_000_000;
const HOOK = 'https://hooks.example.com/imagerouter';

/** The webhook outbox on each database: queued once with the finish, claimed by one replica at a time. */
describe('webhook outbox', () => {
  forEachDatabase((harness) => {
    it('queues one delivery when crash recovery finishes a generation that asked for a webhook, and none without one', async () => {
      const owner = await createKeyWithCredits(harness.db, null);
      const hooked = newGeneration(owner, { webhookUrl: HOOK, leaseExpiresAt: NOW - 1, createdAt: NOW - 10_000 });
      const plain = newGeneration(owner, { leaseExpiresAt: NOW - 1, createdAt: NOW - 10_000 });
      await insertGeneration(harness.db, hooked);
      await insertGeneration(harness.db, plain);
      for (let run = 0; run < 2; run += 1) await recoverAbandonedGenerations(harness.db, { now: NOW, unleasedCreatedBefore: NOW - 1 });

      const outbox = createWebhookOutbox(harness.db);
      expect(await outbox.forGeneration(hooked.id)).toMatchObject({
        url: HOOK,
        status: 'pending',
        attempts: [],
        nextAttemptAt: NOW,
        accountId: owner.account.id,
      });
      expect(await outbox.forGeneration(plain.id)).toBeUndefined();
      // Finishing twice (a replay of the same transaction's work) never queues a second delivery.
      await enqueueWebhookDelivery(harness.db, hooked.id, NOW + 5);
      const rows = await harness.db.selectFrom('webhook_deliveries').select('id').where('generation_id', '=', hooked.id).execute();
      expect(rows).toHaveLength(1);
    });

    it('lets one of two replicas claim a due delivery; the other, and a holder whose lease was lost, get nothing', async () => {
      const owner = await createKeyWithCredits(harness.db, null);
      const generation = newGeneration(owner, { webhookUrl: HOOK, createdAt: NOW });
      await insertGeneration(harness.db, generation);
      await enqueueWebhookDelivery(harness.db, generation.id, NOW);
      const replica = await harness.open(harness.url);
      const [one, two] = await Promise.all([
        createWebhookOutbox(harness.db).claimDue(NOW, 10, 60_000),
        createWebhookOutbox(replica.db).claimDue(NOW, 10, 60_000),
      ]);
      const mine = [...one, ...two].filter((claim) => claim.generationId === generation.id);
      expect(mine).toHaveLength(1);
      const claim = mine[0]!;
      // Still leased: nobody else may take it.
      expect((await createWebhookOutbox(replica.db).claimDue(NOW + 59_000, 10, 60_000)).map((c) => c.id)).not.toContain(claim.id);

      // Past the lease another dispatcher takes over; the first one's late record is refused.
      const takeover = (await createWebhookOutbox(replica.db).claimDue(NOW + 61_000, 10, 60_000)).find((c) => c.id === claim.id);
      expect(takeover).toBeDefined();
      const attempt = { at: NOW + 61_000, http_status: 200, error: null, duration_ms: 5 };
      expect(await createWebhookOutbox(harness.db).recordAttempt(claim, attempt, { status: 'delivered' })).toBe(false);
      expect(await createWebhookOutbox(replica.db).recordAttempt(takeover!, attempt, { status: 'delivered' })).toBe(true);
      expect(await createWebhookOutbox(harness.db).forGeneration(generation.id)).toMatchObject({
        status: 'delivered',
        attempts: [attempt],
        nextAttemptAt: null,
        firstAttemptAt: NOW + 61_000,
      });
    });
  });
});
