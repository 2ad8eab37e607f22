import type { Kysely } from 'kysely';
import { getStoredImage } from '../accounts/generation-repository.js';
import type { DatabaseSchema } from '../db/database-schema.js';
import { formatForExtension, type ImageFormat } from '../domain/image-format.js';
import type { ImageStore } from './image-store.js';
import { isSafeStorageKey } from './local-disk-store.js';

/** A hosted image that may still be served. */
export interface ServableImage {
  bytes: Buffer;
  format: ImageFormat;
  /** Until the image expires: no cache may keep it longer. */
  remainingMs: number;
}

/** Reads hosted images by file name (`{id}.{ext}`), for `/storage` and for inputs that name our own URLs. */
export interface StoredImageReader {
  /** The image, or `undefined` when unknown, malformed, of another extension or expired. */
  read(file: string): Promise<ServableImage | undefined>;
}

export function createStoredImageReader(options: {
  db: Kysely<DatabaseSchema>;
  store: ImageStore;
  clock: () => number;
}): StoredImageReader {
  return {
    async read(file) {
      const dot = file.lastIndexOf('.');
      const extension = file.slice(dot + 1);
      const format = formatForExtension(extension);
      if (!format || !isSafeStorageKey(file)) return undefined;
      // The record, not the file, decides: the sweep runs hourly, and retention is a promise to the
      // people in the pictures, so an image is gone the moment it expires.
      const record = await getStoredImage(options.db, file.slice(0, dot));
      const remainingMs = record && record.extension === extension ? record.expiresAt - options.clock() : 0;
      if (remainingMs <= 0) return undefined;
      const object = await options.store.get(file);
      return object ? { bytes: object.bytes, format, remainingMs } : undefined;
    },
  };
}
