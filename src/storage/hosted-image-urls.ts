import type { GenerationRecord } from '../accounts/generation-repository.js';

const DAY_MS = 86_400_000;

/**
 * How hosted URLs reach the bytes: `gateway` → `{PUBLIC_URL}/storage/{file}` (the gateway reads the
 * store); `public` → `{publicUrl}/{file}` straight from the bucket or its CDN; `presigned` → a
 * presigned GET URL valid `urlTtlSeconds` (never past the image's expiry).
 */
export type HostedUrlMode = { mode: 'gateway' } | { mode: 'public'; publicUrl: string } | { mode: 'presigned'; urlTtlSeconds: number };

/** The URLs clients get for stored images: through the gateway, straight from the bucket, or presigned. */
export interface HostedImageUrls {
  /** The URL of stored file `{id}.{ext}` stored at `storedAt` (epoch ms); a presigned one ends no later than the image. */
  urlOf(file: string, storedAt: number): Promise<string>;
  /** The hosted URLs of a successful generation's images; none for any other. */
  ofGeneration(generation: Pick<GenerationRecord, 'status' | 'outputIds' | 'createdAt'>): Promise<string[]>;
  /**
   * Besides `{PUBLIC_URL}/storage/`, the URL prefixes our images are reachable under, `{prefix}{file}`
   * (`S3_PUBLIC_URL`, the bucket's own object URLs): inputs naming them are read from the store.
   */
  objectUrlBases(): string[];
}

export interface HostedImageUrlsOptions {
  /** Read per call: a server on port 0 learns its URL only once it listens. */
  publicUrl: () => string;
  mode: HostedUrlMode;
  /** A presigned GET URL of an object (S3 store only). */
  presign?: (file: string, expiresInSeconds: number) => Promise<string>;
  /** `{base}{key}` is an object's URL in the bucket, before any query (S3 store only). */
  bucketUrlBase?: string;
  retentionDays: number;
  clock: () => number;
}

export function createHostedImageUrls(options: HostedImageUrlsOptions): HostedImageUrls {
  const { mode } = options;
  const bases = [
    ...(mode.mode === 'public' ? [`${mode.publicUrl}/`] : []),
    ...(options.bucketUrlBase !== undefined ? [options.bucketUrlBase] : []),
  ];
  const urlOf = async (file: string, storedAt: number): Promise<string> => {
    if (mode.mode === 'public') return `${mode.publicUrl}/${file}`;
    if (mode.mode === 'presigned' && options.presign) {
      // A link must not outlive the image it shows: retention is a promise to the people in the pictures.
      const remainingSeconds = Math.floor((storedAt + options.retentionDays * DAY_MS - options.clock()) / 1000);
      return options.presign(file, Math.max(1, Math.min(mode.urlTtlSeconds, remainingSeconds)));
    }
    return `${options.publicUrl()}/storage/${file}`;
  };
  return {
    urlOf,
    async ofGeneration(generation) {
      if (generation.status !== 'success') return [];
      // The generation starts before its images are stored, so its start bounds their expiry from below.
      return Promise.all(generation.outputIds.map((file) => urlOf(file, generation.createdAt)));
    },
    objectUrlBases: () => bases,
  };
}
