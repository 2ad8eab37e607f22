import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ImageStore } from './image-store.js';
import { isSafeStorageKey } from './local-disk-store.js';

/** DeleteObjects takes at most 1,000 keys per request. */
const DELETE_BATCH = 1000;
/** `/ready` answers load balancers, which give up after a few seconds themselves. */
const CHECK_TIMEOUT_MS = 3_000;
const CONNECTION_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 60_000;
const PROBE_KEY = 'probe.png';

/** Where the bucket is and how to reach it (`S3_*` variables, `config/s3-config.ts`). */
export interface S3StoreConfig {
  bucket: string;
  /** `undefined` → AWS S3 itself. */
  endpoint: string | undefined;
  region: string;
  /** `undefined` → the AWS SDK's default credential chain. */
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  forcePathStyle: boolean;
}

/** An S3-compatible bucket as the image store; presigned URLs for hosted images. */
export interface S3ImageStore extends ImageStore {
  /** A GET URL of `key` that anyone may use for `expiresInSeconds`. */
  presignedUrl(key: string, expiresInSeconds: number): Promise<string>;
  /** `{bucketUrlBase}{key}` is the object's URL (path or virtual-host style, as configured), before any query. */
  bucketUrlBase: string;
  /** Closes the client's sockets. */
  close(): void;
}

export interface S3StoreOptions {
  /** `Cache-Control: max-age` of each object: the retention, so no cache keeps an image past its expiry. */
  cacheSeconds: number;
}

/**
 * Stores images as objects `{id}.{ext}` in one bucket, each written once with its content type.
 * The AWS SDK is imported only here, and this module only when `S3_BUCKET` is set (`app-context.ts`).
 */
export async function createS3Store(config: S3StoreConfig, options: S3StoreOptions): Promise<S3ImageStore> {
  const clientConfig: S3ClientConfig = {
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    ...(config.endpoint !== undefined ? { endpoint: config.endpoint } : {}),
    ...(config.credentials !== undefined ? { credentials: config.credentials } : {}),
    // The SDK's newer default checksums (CRC32 on every upload) are not understood by every
    // S3-compatible server; checksums only where S3 demands them (DeleteObjects) work everywhere.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS },
  };
  const client = new S3Client(clientConfig);
  const bucket = config.bucket;
  const bucketUrlBase = await objectUrlBase(clientConfig, bucket);
  const keyOf = (key: string) => {
    if (!isSafeStorageKey(key)) throw new Error(`Unsafe storage key: ${JSON.stringify(key)}`);
    return key;
  };

  return {
    bucketUrlBase,
    async put(key, bytes, contentType) {
      const objectKey = keyOf(key);
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: objectKey,
            Body: bytes,
            ContentType: contentType,
            // The bytes under an id never change; served straight from the bucket, caches need not revalidate.
            CacheControl: `public, max-age=${options.cacheSeconds}, immutable`,
          }),
        );
      } catch (error) {
        throw storageError('PutObject', bucket, error);
      }
    },
    async get(key) {
      if (!isSafeStorageKey(key)) return undefined;
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if (object.Body === undefined) return undefined;
        const bytes = await object.Body.transformToByteArray();
        // A view, not `Buffer.from(bytes)`: that would copy every image served through the gateway.
        return { bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), contentType: object.ContentType };
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw storageError('GetObject', bucket, error);
      }
    },
    async delete(keys) {
      const safe = keys.filter(isSafeStorageKey);
      for (let start = 0; start < safe.length; start += DELETE_BATCH) {
        const batch = safe.slice(start, start + DELETE_BATCH);
        let result;
        try {
          result = await client.send(
            new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
          );
        } catch (error) {
          throw storageError('DeleteObjects', bucket, error);
        }
        // Missing keys count as deleted in S3; what is left are real failures (access, throttling).
        const failed = result.Errors ?? [];
        if (failed.length > 0) {
          const first = failed[0]!;
          throw new Error(`S3 DeleteObjects in bucket '${bucket}' failed for ${failed.length} key(s), e.g. ${first.Key}: ${first.Code}`);
        }
      }
    },
    async check() {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
      } catch (error) {
        throw storageError('HeadBucket', bucket, error);
      }
    },
    presignedUrl(key, expiresInSeconds) {
      return getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: keyOf(key) }), { expiresIn: expiresInSeconds });
    },
    close() {
      client.destroy();
    },
  };
}

/**
 * Where the SDK addresses objects, derived by presigning a probe key with throwaway credentials:
 * no request is made, and the SDK's own endpoint rules (path or virtual-host style, AWS regions)
 * decide, so the base matches the presigned URLs handed out.
 */
async function objectUrlBase(clientConfig: S3ClientConfig, bucket: string): Promise<string> {
  const probe = new S3Client({ ...clientConfig, credentials: { accessKeyId: 'probe', secretAccessKey: 'probe' } });
  try {
    const url = new URL(await getSignedUrl(probe, new GetObjectCommand({ Bucket: bucket, Key: PROBE_KEY }), { expiresIn: 60 }));
    return `${url.origin}${url.pathname.slice(0, -PROBE_KEY.length)}`;
  } finally {
    probe.destroy();
  }
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** What failed and why, for logs and `/ready`: the operation, bucket, error name and status, never credentials. */
function storageError(operation: string, bucket: string, error: unknown): Error {
  const status = statusOf(error);
  const reason = error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.name) : 'unknown error';
  const hint =
    status === 403
      ? ' (access denied: check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or the role, and the bucket policy)'
      : status === 404 && operation === 'HeadBucket'
        ? ' (no such bucket: create it, or fix S3_BUCKET, S3_ENDPOINT, S3_FORCE_PATH_STYLE)'
        : '';
  return new Error(`S3 ${operation} in bucket '${bucket}' failed: ${reason}${status !== undefined ? ` (HTTP ${status})` : ''}${hint}`);
}
