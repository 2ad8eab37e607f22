import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type GenerationOutcome,
  deleteExpiredPrompts,
  deleteStoredImages,
  finishGeneration,
  getGeneration,
  getStoredImage,
  insertGeneration,
  insertStoredImage,
  listExpiredStoredImages,
  popularModelCounts,
  type StoredImageRecord,
} from '../../../src/accounts/generation-repository.js';
import { forEachDatabase } from '../../helpers/test-databases.js';
import { createKeyWithCredits, newGeneration, usd } from './account-fixtures.js';

function outcome(overrides: Partial<GenerationOutcome> = {}): GenerationOutcome {
  return {
    status: 'success',
    provider: 'test',
    route: 'test/default',
    costMicros: 0,
    latencyMs: 12,
    imageCount: 1,
    outputIds: [],
    warnings: [],
    attempts: [],
    errorMessage: null,
    errorType: null,
    httpStatus: 200,
    finishedAt: Date.now(),
    ...overrides,
  };
}

function storedImage(generationId: string, overrides: Partial<StoredImageRecord> = {}): StoredImageRecord {
  return {
    id: randomUUID(),
    generationId,
    extension: 'webp',
    contentType: 'image/webp',
    byteSize: 1234,
    width: 1024,
    height: 1024,
    createdAt: 0,
    expiresAt: 1_000,
    ...overrides,
  };
}

describe('generation repository', () => {
  forEachDatabase((harness) => {
    it('records a generation from processing to its outcome, once', async () => {
      const owner = await createKeyWithCredits(harness.db, 5);
      const started = newGeneration(owner, {
        reservedMicros: usd(0.04),
        hasMask: true,
        inputImageCount: 2,
        prompt: null,
        leaseExpiresAt: 1_900_000_060_000,
        webhookUrl: 'https://hooks.example.com/imagerouter',
      });
      await insertGeneration(harness.db, started);
      expect(await getGeneration(harness.db, started.id)).toEqual({
        ...started,
        status: 'processing',
        provider: null,
        route: null,
        costMicros: 0,
        latencyMs: null,
        imageCount: 0,
        outputIds: [],
        warnings: [],
        attempts: [],
        errorMessage: null,
        errorType: null,
        errorCode: null,
        errorParam: null,
        httpStatus: null,
        finishedAt: null,
      });
      const finished = outcome({
        costMicros: usd(0.04),
        outputIds: ['img-1'],
        warnings: [{ type: 'adapted', setting: 'size', message: 'used 1024x1024' }],
        attempts: [
          { provider: 'test', status: 429, retryAfterMs: 2000 },
          { provider: 'test', status: 200 },
        ],
      });
      expect(await finishGeneration(harness.db, started.id, finished)).toBe(true);
      expect(await getGeneration(harness.db, started.id)).toMatchObject({
        ...finished,
        id: started.id,
        hasMask: true,
        inputImageCount: 2,
        prompt: null,
        // A finished generation has no lease left for recovery to look at.
        leaseExpiresAt: null,
      });
      expect(await finishGeneration(harness.db, started.id, outcome({ status: 'error' }))).toBe(false);
      expect((await getGeneration(harness.db, started.id))?.status).toBe('success');
      expect(await getGeneration(harness.db, 'no-such-generation')).toBeUndefined();
    });

    it("keeps a failure's code and param, so what is read back says what the first answer said", async () => {
      const owner = await createKeyWithCredits(harness.db, null);
      const generation = newGeneration(owner);
      await insertGeneration(harness.db, generation);
      const failed = outcome({
        status: 'error',
        errorMessage: "'size' is not supported",
        errorType: 'invalid_request_error',
        errorCode: 'unsupported_size',
        errorParam: 'size',
        httpStatus: 400,
      });
      expect(await finishGeneration(harness.db, generation.id, failed)).toBe(true);
      expect(await getGeneration(harness.db, generation.id)).toMatchObject({
        errorCode: 'unsupported_size',
        errorParam: 'size',
        httpStatus: 400,
      });
    });

    it('counts popular models from successful generations in the window only', async () => {
      const database = await harness.openFresh();
      const owner = await createKeyWithCredits(database.db, null);
      const since = 1_000_000;
      const record = async (model: string, createdAt: number, status: 'success' | 'error' | 'processing') => {
        const generation = newGeneration(owner, { model, createdAt });
        await insertGeneration(database.db, generation);
        if (status !== 'processing') await finishGeneration(database.db, generation.id, outcome({ status }));
      };
      for (let index = 0; index < 3; index++) await record('openai/gpt-image-1', since + index, 'success');
      for (let index = 0; index < 2; index++) await record('black-forest-labs/flux-1-schnell', since + index, 'success');
      await record('black-forest-labs/flux-1-schnell', since, 'error');
      await record('black-forest-labs/flux-1-schnell', since, 'processing');
      await record('google/imagen-4', since - 1, 'success'); // before the window
      await record('google/imagen-4', since + 5, 'error');
      expect(await popularModelCounts(database.db, since)).toEqual([
        { model: 'openai/gpt-image-1', count: 3 },
        { model: 'black-forest-labs/flux-1-schnell', count: 2 },
      ]);
    });

    it('clears prompts older than the retention window and keeps the rest', async () => {
      const database = await harness.openFresh();
      const owner = await createKeyWithCredits(database.db, null);
      const old = newGeneration(owner, { createdAt: 1_000, prompt: 'old prompt' });
      const recent = newGeneration(owner, { createdAt: 5_000, prompt: 'recent prompt' });
      await insertGeneration(database.db, old);
      await insertGeneration(database.db, recent);
      expect(await deleteExpiredPrompts(database.db, 5_000)).toBe(1);
      expect((await getGeneration(database.db, old.id))?.prompt).toBeNull();
      expect((await getGeneration(database.db, recent.id))?.prompt).toBe('recent prompt');
      expect(await deleteExpiredPrompts(database.db, 5_000)).toBe(0);
    });

    it('stores image records and lists the expired ones, oldest first, in batches', async () => {
      const database = await harness.openFresh();
      const owner = await createKeyWithCredits(database.db, null);
      const generation = newGeneration(owner);
      await insertGeneration(database.db, generation);
      const images = [
        storedImage(generation.id, { expiresAt: 3_000 }),
        storedImage(generation.id, { expiresAt: 1_000 }),
        storedImage(generation.id, { expiresAt: 2_000 }),
        storedImage(generation.id, { expiresAt: 9_000 }),
      ];
      for (const image of images) await insertStoredImage(database.db, image);
      expect(await getStoredImage(database.db, images[0]!.id)).toEqual(images[0]);
      expect(await getStoredImage(database.db, 'missing')).toBeUndefined();

      const firstBatch = await listExpiredStoredImages(database.db, 3_000, 2);
      expect(firstBatch.map((image) => image.expiresAt)).toEqual([1_000, 2_000]);
      expect(
        await deleteStoredImages(
          database.db,
          firstBatch.map((image) => image.id),
        ),
      ).toBe(2);
      expect((await listExpiredStoredImages(database.db, 3_000, 10)).map((image) => image.id)).toEqual([images[0]!.id]);
      expect(await deleteStoredImages(database.db, [])).toBe(0);
      expect(await deleteStoredImages(database.db, ['missing'])).toBe(0);
    });

    it('deletes more ids than one statement binds', async () => {
      const database = await harness.openFresh();
      const owner = await createKeyWithCredits(database.db, null);
      const generation = newGeneration(owner);
      await insertGeneration(database.db, generation);
      const ids: string[] = [];
      await database.db.transaction().execute(async (trx) => {
        for (let index = 0; index < 1_200; index++) {
          const image = storedImage(generation.id);
          ids.push(image.id);
          await insertStoredImage(trx, image);
        }
      });
      expect(await deleteStoredImages(database.db, ids)).toBe(1_200);
    });

    it('refuses a stored image of an unknown generation', async () => {
      await expect(insertStoredImage(harness.db, storedImage('no-such-generation'))).rejects.toThrow();
    });
  });
});
