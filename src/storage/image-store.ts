/** Where generated images are kept. Local disk by default; S3-compatible stores plug in here. */
export interface ImageStore {
  /**
   * Writes the bytes under a new `key` (e.g. `3f2c….webp`), before anyone is told the key. Keeps
   * no reference to `bytes` once the promise resolves: the caller reuses that memory at once.
   */
  put(key: string, bytes: Buffer, contentType: string): Promise<void>;
  /** Reads a stored object, or `undefined` when it does not exist. */
  get(key: string): Promise<{ bytes: Buffer; contentType: string | undefined } | undefined>;
  /** Removes objects; missing ones are ignored. */
  delete(keys: string[]): Promise<void>;
  /** Throws unless images can be written and read now (`/ready`): a writable folder, a reachable bucket. */
  check(): Promise<void>;
}
