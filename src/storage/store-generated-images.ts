import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { insertStoredImage } from '../accounts/generation-repository.js';
import type { DatabaseSchema } from '../db/database-schema.js';
import { finishedImageBytes, type FinishedImage, type StoredImageRef } from '../domain/finished-image.js';
import { EXTENSION_BY_FORMAT, MIME_BY_FORMAT } from '../domain/image-format.js';
import type { HostedImageUrls } from './hosted-image-urls.js';
import type { ImageStore } from './image-store.js';

const DAY_MS = 86_400_000;

export interface ImageStorerOptions {
  db: Kysely<DatabaseSchema>;
  store: ImageStore;
  urls: HostedImageUrls;
  retentionDays: number;
  clock: () => number;
}

/** Stores a generation's images under random ids and records them with their expiry. */
export function createImageStorer(options: ImageStorerOptions) {
  return async (generationId: string, images: FinishedImage[]): Promise<StoredImageRef[]> =>
    Promise.all(
      images.map(async (image) => {
        // A random UUID is the only secret in a hosted URL: 122 random bits, not guessable.
        const id = randomUUID();
        const extension = EXTENSION_BY_FORMAT[image.format];
        const key = `${id}.${extension}`;
        const contentType = MIME_BY_FORMAT[image.format];
        const bytes = finishedImageBytes(image);
        await options.store.put(key, bytes, contentType);
        const now = options.clock();
        await insertStoredImage(options.db, {
          id,
          generationId,
          extension,
          contentType,
          byteSize: bytes.length,
          width: image.width,
          height: image.height,
          createdAt: now,
          expiresAt: now + options.retentionDays * DAY_MS,
        });
        return { key, url: await options.urls.urlOf(key, now) };
      }),
    );
}
