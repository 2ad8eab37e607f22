import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createGenerationRecords } from '../../../src/accounts/generation-records.js';
import { getGeneration, insertGeneration, insertStoredImage } from '../../../src/accounts/generation-repository.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { reserveCredits } from '../../../src/accounts/ledger.js';
import { ABANDONED_GENERATION_MESSAGE, recoverAbandonedGenerations } from '../../../src/accounts/recover-abandoned-generations.js';
import type { CreatedApiKey } from '../../../src/accounts/api-key-repository.js';
import type { DatabaseSchema } from '../../../src/db/database-schema.js';
import { PRICED_TEST_MODEL_YAML, postJson, waitFor, writeOperatorConfig } from '../../helpers/gateway-client.js';
import { forEachDatabase } from '../../helpers/test-databases.js';
import { startTestGateway } from '../../helpers/test-gateway.js';
import { createKeyWithCredits, newGeneration, usd } from './account-fixtures.js';

const NOW = 1_900_000_000_000;
const LEASE_MS = 60_000;

async function balanceOf(db: Kysely<DatabaseSchema>, accountId: string): Promise<number | null> {
  const row = await db.selectFrom('accounts').select('balance_micros').where('id', '=', accountId).executeTakeFirstOrThrow();
  return row.balance_micros;
}

async function entriesFor(db: Kysely<DatabaseSchema>, generationId: string) {
  const rows = await db
    .selectFrom('ledger_entries')
    .select(['kind', 'amount_micros'])
    .where('generation_id', '=', generationId)
    .orderBy('created_at')
    .execute();
  return rows.map((row) => ({ kind: row.kind, amount: Number(row.amount_micros) }));
}

/** A generation as a process leaves it when it dies mid-flight: `processing`, its credits held. */
async function abandonedGeneration(
  db: Kysely<DatabaseSchema>,
  owner: CreatedApiKey,
  options: { reservedMicros: number; leaseExpiresAt: number | null; n?: number; createdAt?: number },
): Promise<string> {
  const generation = newGeneration(owner, {
    reservedMicros: options.reservedMicros,
    leaseExpiresAt: options.leaseExpiresAt,
    n: options.n ?? 1,
    createdAt: options.createdAt ?? NOW - 10_000,
  });
  await insertGeneration(db, generation);
  expect(await reserveCredits(db, { accountId: owner.account.id, generationId: generation.id, amountMicros: options.reservedMicros })).toBe(
    true,
  );
  return generation.id;
}

async function storeImage(db: Kysely<DatabaseSchema>, generationId: string): Promise<string> {
  const id = randomUUID();
  await insertStoredImage(db, {
    id,
    generationId,
    extension: 'webp',
    contentType: 'image/webp',
    byteSize: 100,
    width: 64,
    height: 64,
    createdAt: NOW - 1_000,
    expiresAt: NOW + 86_400_000,
  });
  return `${id}.webp`;
}

const recoverAt = (db: Kysely<DatabaseSchema>, now = NOW) => recoverAbandonedGenerations(db, { now, unleasedCreatedBefore: now - 360_000 });

describe('recovering generations abandoned by a dead process', () => {
  forEachDatabase((harness) => {
    it('finishes an expired generation as error and gives its hold back, exactly once', async () => {
      const owner = await createKeyWithCredits(harness.db, 10);
      const id = await abandonedGeneration(harness.db, owner, { reservedMicros: usd(2), leaseExpiresAt: NOW - 1 });
      expect(await balanceOf(harness.db, owner.account.id)).toBe(usd(8));

      expect(await recoverAt(harness.db)).toEqual({ released: [id], settled: [] });
      expect(await balanceOf(harness.db, owner.account.id)).toBe(usd(10));
      const record = await getGeneration(harness.db, id);
      expect(record).toMatchObject({
        status: 'error',
        errorMessage: ABANDONED_GENERATION_MESSAGE,
        errorType: 'internal_error',
        httpStatus: 500,
        costMicros: 0,
        finishedAt: NOW,
        leaseExpiresAt: null,
      });
      expect(await entriesFor(harness.db, id)).toEqual([
        { kind: 'reserve', amount: -usd(2) },
        { kind: 'release', amount: usd(2) },
      ]);

      // Again, later, and twice at once (on PostgreSQL through a second pool: another replica).
      const replica = harness.dialect === 'postgres' ? await harness.open(harness.url) : harness.database;
      expect(await recoverAt(harness.db, NOW + 1_000)).toEqual({ released: [], settled: [] });
      await Promise.all([recoverAt(harness.db, NOW + 2_000), recoverAt(replica.db, NOW + 2_000)]);
      expect(await balanceOf(harness.db, owner.account.id)).toBe(usd(10));
      expect(await entriesFor(harness.db, id)).toHaveLength(2);
      expect((await getGeneration(harness.db, id))?.finishedAt).toBe(NOW);
    });

    it('recovers each of many generations exactly once when replicas race', async () => {
      const owner = await createKeyWithCredits(harness.db, 10);
      const ids = await Promise.all(
        Array.from({ length: 12 }, () => abandonedGeneration(harness.db, owner, { reservedMicros: usd(0.5), leaseExpiresAt: NOW - 5 })),
      );
      expect(await balanceOf(harness.db, owner.account.id)).toBe(usd(4));
      const replica = harness.dialect === 'postgres' ? await harness.open(harness.url) : harness.database;
      const results = await Promise.all([recoverAt(harness.db), recoverAt(replica.db), recoverAt(harness.db), recoverAt(replica.db)]);
      const released = results.flatMap((result) => result.released);
      expect([...released].sort()).toEqual([...ids].sort());
      expect(await balanceOf(harness.db, owner.account.id)).toBe(usd(10));
      for (const id of ids) expect((await entriesFor(harness.db, id)).map((entry) => entry.kind)).toEqual(['reserve', 'release']);
    });

    it('settles a generation whose images were stored before the crash, charging the images stored', async () => {
      const owner = await createKeyWithCredits(harness.db, 10);
      const id = await abandonedGeneration(harness.db, owner, { reservedMicros: usd(3), leaseExpiresAt: NOW - 1, n: 3 });
      const outputs = [await storeImage(harness.db, id), await storeImage(harness.db, id)];

      expect(await recoverAt(harness.db)).toEqual({ released: [], settled: [id] });
      expect(await balanceOf(harness.db, owner.account.id)).toBe(usd(8));
      const record = await getGeneration(harness.db, id);
      expect(record).toMatchObject({ status: 'success', costMicros: usd(2), imageCount: 2, httpStatus: 200, errorMessage: null });
      expect([...(record?.outputIds ?? [])].sort()).toEqual([...outputs].sort());
      expect(await entriesFor(harness.db, id)).toEqual([
        { kind: 'reserve', amount: -usd(3) },
        { kind: 'settle', amount: usd(1) },
      ]);
      expect(await recoverAt(harness.db, NOW + 1_000)).toEqual({ released: [], settled: [] });
      expect(await balanceOf(harness.db, owner.account.id)).toBe(usd(8));
    });

    it('leaves alone a generation whose lease is still valid, and finished ones', async () => {
      const owner = await createKeyWithCredits(harness.db, 10);
      const running = await abandonedGeneration(harness.db, owner, { reservedMicros: usd(1), leaseExpiresAt: NOW + LEASE_MS });
      const unleasedRecent = await abandonedGeneration(harness.db, owner, { reservedMicros: usd(1), leaseExpiresAt: null });
      expect(await recoverAt(harness.db)).toEqual({ released: [], settled: [] });
      expect((await getGeneration(harness.db, running))?.status).toBe('processing');
      expect((await getGeneration(harness.db, unleasedRecent))?.status).toBe('processing');
      expect(await balanceOf(harness.db, owner.account.id)).toBe(usd(8));

      // A row from before leases existed counts as abandoned once older than any live generation can be.
      const unleasedOld = await abandonedGeneration(harness.db, owner, {
        reservedMicros: usd(1),
        leaseExpiresAt: null,
        createdAt: NOW - 3_600_000,
      });
      expect(await recoverAt(harness.db)).toEqual({ released: [unleasedOld], settled: [] });
      expect(await balanceOf(harness.db, owner.account.id)).toBe(usd(8));
    });

    it('gives nothing back when the process died before the reserve, or after releasing it', async () => {
      const owner = await createKeyWithCredits(harness.db, 10);
      const unreserved = newGeneration(owner, { reservedMicros: usd(1), leaseExpiresAt: NOW - 1, createdAt: NOW - 5_000 });
      await insertGeneration(harness.db, unreserved);
      expect(await recoverAt(harness.db)).toEqual({ released: [unreserved.id], settled: [] });
      expect(await balanceOf(harness.db, owner.account.id)).toBe(usd(10));
      expect(await entriesFor(harness.db, unreserved.id)).toEqual([]);
      expect((await getGeneration(harness.db, unreserved.id))?.status).toBe('error');
    });

    it('keeps renewing the lease of a long generation, which recovery leaves running', async () => {
      const configDir = await mkdtemp(path.join(tmpdir(), 'imagerouter-lease-'));
      const gateway = await startTestGateway({
        DATABASE_URL: await harness.createEmptyDatabase(),
        IMAGEROUTER_CONFIG: await writeOperatorConfig(configDir, PRICED_TEST_MODEL_YAML),
        IMAGEROUTER_GENERATION_LEASE_MS: '300',
      });
      try {
        const db = gateway.context.database.db;
        const key = await gateway.createKey({ creditsMicros: usd(1) });
        const response = postJson(
          gateway.url,
          '/v1/openai/images/generations',
          // Long past the four rounds below (1.2 s and the recoveries), even on a loaded machine where
          // the record is seen late: a generation that finished mid-rounds would show no lease.
          { model: 'test/test', prompt: '[[delay:5000]] a slow lighthouse', size: '64x64', response_format: 'b64_json' },
          { key },
        );
        const id = await waitFor(
          async () => (await db.selectFrom('generations').select('id').where('status', '=', 'processing').executeTakeFirst())?.id,
          20_000,
          'the generation to be recorded',
        );
        const leases: number[] = [];
        for (let round = 0; round < 4; round += 1) {
          await new Promise((resolve) => setTimeout(resolve, 300));
          // Recovery at the real time, as another replica would run it, every lease length.
          expect(await gateway.context.recoverAbandoned()).toEqual({ released: [], settled: [], resumed: [] });
          leases.push((await getGeneration(db, id))?.leaseExpiresAt ?? 0);
        }
        expect(new Set(leases).size).toBeGreaterThan(1);
        expect(leases.every((lease) => lease > 0)).toBe(true);
        expect((await response).status).toBe(200);
        const record = await getGeneration(db, id);
        expect(record).toMatchObject({ status: 'success', costMicros: usd(0.01), leaseExpiresAt: null });
        // Nothing renews a finished generation's lease.
        await new Promise((resolve) => setTimeout(resolve, 400));
        expect((await getGeneration(db, id))?.leaseExpiresAt).toBeNull();
      } finally {
        await gateway.close();
        await rm(configDir, { recursive: true, force: true });
      }
    }, 20_000);
  });
});

describe('renewing a running generation lease', () => {
  forEachDatabase((harness) => {
    it('only reports a renewal that fails, and stops renewing when told', async () => {
      const database = await harness.openFresh();
      const owner = await createKeyWithCredits(database.db, 1);
      const errors: string[] = [];
      const records = createGenerationRecords(database.db, createMetrics(), {
        clock: Date.now,
        leaseMs: 300,
        onLeaseError: (_error, id) => errors.push(id),
      });
      const generation = newGeneration(owner, { leaseExpiresAt: Date.now() + 300 });
      await insertGeneration(database.db, generation);
      const stop = records.keepLeaseAlive(generation.id);
      await waitFor(
        async () =>
          ((await getGeneration(database.db, generation.id))?.leaseExpiresAt ?? 0) > (generation.leaseExpiresAt ?? 0) || undefined,
        20_000,
        'a renewal',
      );
      await database.close();
      await waitFor(async () => errors.length > 0 || undefined, 20_000, 'a failed renewal to be reported');
      stop();
      const reported = errors.length;
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(errors.length).toBe(reported);
      expect(new Set(errors)).toEqual(new Set([generation.id]));
    });
  });
});
