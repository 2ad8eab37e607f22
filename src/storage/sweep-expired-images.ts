import type { Kysely } from 'kysely';
import { deleteExpiredPrompts, deleteStoredImages, listExpiredStoredImages } from '../accounts/generation-repository.js';
import { createIdempotencyKeyStore } from '../accounts/idempotency-key-store.js';
import type { DatabaseSchema } from '../db/database-schema.js';
import type { ImageStore } from './image-store.js';

const BATCH = 500;
const DAY_MS = 86_400_000;

/** Deletes images and prompts past the retention window, and day-old idempotency keys; returns how many images went. Safe on several replicas at once. */
export async function sweepExpiredImages(options: {
  db: Kysely<DatabaseSchema>;
  store: ImageStore;
  now: number;
  retentionDays: number;
}): Promise<number> {
  let deleted = 0;
  for (;;) {
    const expired = await listExpiredStoredImages(options.db, options.now, BATCH);
    if (expired.length === 0) break;
    // Files first: a row without a file is harmless, a file without a row would never be swept.
    await options.store.delete(expired.map((image) => `${image.id}.${image.extension}`));
    await deleteStoredImages(
      options.db,
      expired.map((image) => image.id),
    );
    deleted += expired.length;
    if (expired.length < BATCH) break;
  }
  await deleteExpiredPrompts(options.db, options.now - options.retentionDays * DAY_MS);
  // Idempotency keys are remembered one day (claims ignore older rows anyway); this only keeps the table small.
  await createIdempotencyKeyStore(options.db).deleteStale(options.now - DAY_MS);
  return deleted;
}
