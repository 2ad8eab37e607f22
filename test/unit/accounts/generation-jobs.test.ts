import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import type { CreatedApiKey } from '../../../src/accounts/api-key-repository.js';
import { createGenerationJobs } from '../../../src/accounts/generation-jobs.js';
import { insertGeneration, insertStoredImage } from '../../../src/accounts/generation-repository.js';
import { releaseCredits, reserveCredits } from '../../../src/accounts/ledger.js';
import type { DatabaseSchema } from '../../../src/db/database-schema.js';
import { forEachDatabase } from '../../helpers/test-databases.js';
import { createKeyWithCredits, newGeneration, usd } from './account-fixtures.js';

const NOW = 1_900_000_000_000;
const LEASE_MS = 60_000;
const PNG_BYTES = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

/** An async generation as a dead process leaves it: recorded, held, its request kept, its lease past. */
async function abandonedJob(db: Kysely<DatabaseSchema>, owner: CreatedApiKey, options: { leaseExpiresAt?: number } = {}): Promise<string> {
  const generation = newGeneration(owner, {
    reservedMicros: usd(1),
    leaseExpiresAt: options.leaseExpiresAt ?? NOW - 1,
    createdAt: NOW - 5_000,
  });
  await insertGeneration(db, generation);
  expect(await reserveCredits(db, { accountId: owner.account.id, generationId: generation.id, amountMicros: usd(1) })).toBe(true);
  await createGenerationJobs(db).save({
    generationId: generation.id,
    fields: { model: 'test/test', prompt: 'a fox', n: 1 },
    images: [PNG_BYTES],
    mask: undefined,
  });
  return generation.id;
}

const claimAt = (db: Kysely<DatabaseSchema>, now = NOW) =>
  createGenerationJobs(db).claimAbandoned({ now, leaseMs: LEASE_MS, maxTakeovers: 2 });

forEachDatabase((harness) => {
  it('claims an abandoned async generation once, with its request and input bytes, and renews its lease', async () => {
    const owner = await createKeyWithCredits(harness.db, 10);
    const id = await abandonedJob(harness.db, owner);
    const [first, second] = await Promise.all([claimAt(harness.db), claimAt(harness.db)]);
    const claims = [...first!, ...second!].filter((job) => job.generationId === id);
    expect(claims).toHaveLength(1);
    expect(claims[0]).toMatchObject({
      fields: { prompt: 'a fox' },
      reservedMicros: usd(1),
      takeovers: 1,
      // The caller and the start come from the generation's record, not a copy in the job.
      accountId: owner.account.id,
      apiKeyId: owner.apiKey.id,
      startedAt: NOW - 5_000,
    });
    expect(claims[0]!.images[0]!.equals(PNG_BYTES)).toBe(true);
    const row = await harness.db.selectFrom('generations').select('lease_expires_at').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.lease_expires_at).toBe(NOW + LEASE_MS);
    // Its new lease holds it until it passes again.
    expect((await claimAt(harness.db)).map((job) => job.generationId)).not.toContain(id);
  });

  it('leaves alone a live lease, stored images, a closed hold and a generation taken over too often', async () => {
    const owner = await createKeyWithCredits(harness.db, 10);
    const live = await abandonedJob(harness.db, owner, { leaseExpiresAt: NOW + 10_000 });
    const stored = await abandonedJob(harness.db, owner);
    await insertStoredImage(harness.db, {
      id: randomUUID(),
      generationId: stored,
      extension: 'png',
      contentType: 'image/png',
      byteSize: PNG_BYTES.length,
      width: 1,
      height: 1,
      createdAt: NOW - 1_000,
      expiresAt: NOW + 86_400_000,
    });
    const released = await abandonedJob(harness.db, owner);
    await releaseCredits(harness.db, { accountId: owner.account.id, generationId: released, reservedMicros: usd(1) });
    const tired = await abandonedJob(harness.db, owner);
    await harness.db.updateTable('generation_jobs').set({ takeovers: 2 }).where('generation_id', '=', tired).execute();

    const claimed = (await claimAt(harness.db)).map((job) => job.generationId);
    for (const id of [live, stored, released, tired]) expect(claimed).not.toContain(id);
  });
});
