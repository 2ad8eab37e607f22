/** Where generated images are kept. Local disk by default; S3-compatible stores plug in here. */
export interface ImageStore {
  /** Writes the bytes under `key` (e.g. `3f2c….webp`). Atomic: a reader never sees half a file. */
  put(key: string, bytes: Buffer, contentType: string): Promise<void>;
  /** Reads a stored object, or `undefined` when it does not exist. */
  get(key: string): Promise<{ bytes: Buffer; contentType: string | undefined } | undefined>;
  /** Removes objects; missing ones are ignored. */
  delete(keys: string[]): Promise<void>;
}
