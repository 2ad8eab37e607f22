import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { insertStoredImage } from '../accounts/generation-repository.js';
import type { DatabaseSchema } from '../db/database-schema.js';
import { finishedImageBytes, type FinishedImage, type StoredImageRef } from '../domain/finished-image.js';
import { EXTENSION_BY_FORMAT, MIME_BY_FORMAT } from '../domain/image-format.js';
import type { HostedImageUrls } from './hosted-image-urls.js';
import type { ImageStore } from './image-store.js';
import { createScratchBuffers, type ScratchBuffers } from '../domain/scratch-buffers.js';

const DAY_MS = 86_400_000;
/**
 * About the requests that store at once at full load on a small machine (24 MiB kept for 1024x1024
 * PNGs, never above 64 MiB); beyond it, buffers are allocated and collected.
 */
const SCRATCH_LIMITS = { maxKept: 16, maxKeptBytes: 64 * 1024 * 1024, maxBufferBytes: 16 * 1024 * 1024 } as const;

export interface ImageStorerOptions {
  db: Kysely<DatabaseSchema>;
  store: ImageStore;
  urls: HostedImageUrls;
  retentionDays: number;
  clock: () => number;
  /** Where base64 answers are decoded for writing; one set per storer by default. */
  scratch?: ScratchBuffers;
}

/** What storing one image needs: its bytes, and the lent buffer they sit in when they were decoded. */
interface ImageToStore {
  format: FinishedImage['format'];
  width: number;
  height: number;
  bytes: Buffer;
  lent: Buffer | undefined;
}

/**
 * Stores a generation's images under random ids and records them with their expiry. Every image's
 * bytes are taken before the first wait: a caller that lets go of its images meanwhile (the `url`
 * answer does) has the upstream's base64 text collected while the files are written, not after.
 */
export function createImageStorer(options: ImageStorerOptions) {
  const scratch = options.scratch ?? createScratchBuffers(SCRATCH_LIMITS);
  const storeOne = async (generationId: string, image: ImageToStore): Promise<StoredImageRef> => {
    // A random UUID is the only secret in a hosted URL: 122 random bits, not guessable.
    const id = randomUUID();
    const extension = EXTENSION_BY_FORMAT[image.format];
    const key = `${id}.${extension}`;
    const contentType = MIME_BY_FORMAT[image.format];
    const byteSize = image.bytes.length;
    await options.store.put(key, image.bytes, contentType);
    // The store has the bytes and keeps no reference (`ImageStore.put`). After a failed put the
    // buffer is not lent again: a write may still be reading it.
    if (image.lent) scratch.giveBack(image.lent);
    const now = options.clock();
    await insertStoredImage(options.db, {
      id,
      generationId,
      extension,
      contentType,
      byteSize,
      width: image.width,
      height: image.height,
      createdAt: now,
      expiresAt: now + options.retentionDays * DAY_MS,
    });
    return { key, url: await options.urls.urlOf(key, now) };
  };
  // Nothing awaited here: this frame, which holds `images`, is over once the bytes are taken.
  return async (generationId: string, images: readonly FinishedImage[]): Promise<StoredImageRef[]> => {
    const toStore = images.map((image) => imageToStore(image, scratch));
    return Promise.all(toStore.map((image) => storeOne(generationId, image)));
  };
}

/** Base64 kept from the upstream is decoded into a lent buffer; bytes already decoded are used as they are. */
function imageToStore(image: FinishedImage, scratch: ScratchBuffers): ImageToStore {
  let lent: Buffer | undefined;
  const bytes = finishedImageBytes(image, (size) => (lent = scratch.borrow(size)));
  return { format: image.format, width: image.width, height: image.height, bytes, lent };
}
