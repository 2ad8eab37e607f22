import type { Kysely } from 'kysely';
import { clearGenerationPrompt, deleteStoredImages, listStoredImagesOfGeneration } from '../accounts/generation-repository.js';
import type { DatabaseSchema } from '../db/database-schema.js';
import type { ImageStore } from './image-store.js';

/**
 * Deletes a generation's stored images (the files or bucket objects, then their rows) and forgets
 * its prompt, as retention would, only now; returns how many images went. Running it again finds
 * nothing left. The usage record (model, cost, attempts) stays: the ledger refers to it.
 */
export async function eraseGenerationImages(
  options: { db: Kysely<DatabaseSchema>; store: ImageStore },
  generationId: string,
): Promise<number> {
  const images = await listStoredImagesOfGeneration(options.db, generationId);
  // Objects first: a row without an object is harmless, an object without a row would never be swept.
  await options.store.delete(images.map((image) => `${image.id}.${image.extension}`));
  await deleteStoredImages(
    options.db,
    images.map((image) => image.id),
  );
  await clearGenerationPrompt(options.db, generationId);
  return images.length;
}
