import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Store, type S3ImageStore } from '../../../src/storage/s3-store.js';
import { S3RVER_CREDENTIALS, startTestS3Server, type TestS3Server } from '../../helpers/test-s3-server.js';

const KEY = '3f2c9a1e-0000-4000-8000-000000000001.png';
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

/** The error a promise rejects with; the test fails if it resolves. */
async function caughtError(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(Error);
  return outcome as Error;
}

/** The store against a real S3-compatible server (s3rver): real requests, real signatures. */
describe('createS3Store', () => {
  let server: TestS3Server;
  let store: S3ImageStore;
  let raw: S3Client;
  const configFor = (overrides: Partial<Parameters<typeof createS3Store>[0]> = {}) => ({
    bucket: server.bucket,
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: S3RVER_CREDENTIALS,
    forcePathStyle: true,
    ...overrides,
  });

  beforeAll(async () => {
    server = await startTestS3Server();
    store = await createS3Store(configFor(), { cacheSeconds: 86_400 });
    raw = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
  });
  afterAll(async () => {
    store?.close();
    raw?.destroy();
    await server?.close();
  });

  it('writes an object once with its content type and an immutable cache lifetime of the retention, and reads it back', async () => {
    await store.put(KEY, PNG, 'image/png');
    const object = await raw.send(new GetObjectCommand({ Bucket: server.bucket, Key: KEY }));
    expect(object.ContentType).toBe('image/png');
    expect(object.CacheControl).toBe('public, max-age=86400, immutable');
    expect(Buffer.from(await object.Body!.transformToByteArray())).toEqual(PNG);
    expect(await store.get(KEY)).toEqual({ bytes: PNG, contentType: 'image/png' });
  });

  it('answers undefined for a missing or unsafe key, and refuses to write an unsafe one', async () => {
    expect(await store.get('00000000-0000-4000-8000-000000000000.png')).toBeUndefined();
    expect(await store.get('../other-bucket/x.png')).toBeUndefined();
    expect((await caughtError(store.put('a/b.png', PNG, 'image/png'))).message).toMatch(/Unsafe storage key/);
  });

  it('deletes objects in batches, ignoring keys that are already gone', async () => {
    const keys = Array.from({ length: 3 }, (_, index) => `3f2c9a1e-0000-4000-8000-00000000010${index}.webp`);
    await Promise.all(keys.map((key) => store.put(key, PNG, 'image/webp')));
    await store.delete([...keys, 'ffffffff-0000-4000-8000-000000000000.webp']);
    for (const key of keys) expect(await store.get(key)).toBeUndefined();
  });

  it('presigns GET URLs under its bucket URL base, which anyone can fetch', async () => {
    await store.put('3f2c9a1e-0000-4000-8000-000000000002.png', PNG, 'image/png');
    expect(store.bucketUrlBase).toBe(`${server.endpoint}/${server.bucket}/`);
    const url = await store.presignedUrl('3f2c9a1e-0000-4000-8000-000000000002.png', 120);
    expect(url.startsWith(`${store.bucketUrlBase}3f2c9a1e-0000-4000-8000-000000000002.png?`)).toBe(true);
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('120');
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await response.arrayBuffer())).toEqual(PNG);
  });

  it('derives virtual-host URL bases without a request, as the SDK addresses objects', async () => {
    const aws = await createS3Store(
      { bucket: 'pictures', endpoint: undefined, region: 'eu-west-1', credentials: undefined, forcePathStyle: false },
      {
        cacheSeconds: 60,
      },
    );
    try {
      expect(aws.bucketUrlBase).toBe('https://pictures.s3.eu-west-1.amazonaws.com/');
    } finally {
      aws.close();
    }
  });

  it('passes its check on a reachable bucket and fails it clearly, without secrets, otherwise', async () => {
    await expect(store.check()).resolves.toBeUndefined();

    const missing = await createS3Store(configFor({ bucket: 'no-such-bucket' }), { cacheSeconds: 60 });
    // s3rver checks the key id, not SigV4 signatures: an unknown id is its way to answer 403.
    const wrongKey = await createS3Store(
      configFor({ credentials: { accessKeyId: 'UNKNOWNKEY', secretAccessKey: 'not-the-secret-value' } }),
      {
        cacheSeconds: 60,
      },
    );
    try {
      const notFound = await caughtError(missing.check());
      expect(notFound.message).toMatch(/S3 HeadBucket in bucket 'no-such-bucket' failed: .*\(HTTP 404\) \(no such bucket/);
      const denied = await caughtError(wrongKey.put(KEY, PNG, 'image/png'));
      expect(denied.message).toMatch(/S3 PutObject in bucket 'images' failed: .*\(HTTP 403\) \(access denied/);
      expect(denied.message).not.toContain('not-the-secret-value');
    } finally {
      missing.close();
      wrongKey.close();
    }
  });

  it('fails its check when the server is down, and passes again once it is back', async () => {
    await server.stop();
    try {
      expect((await caughtError(store.check())).message).toMatch(
        /S3 HeadBucket in bucket 'images' failed: (ECONNREFUSED|TimeoutError|AbortError)/,
      );
    } finally {
      await server.start();
    }
    await expect(store.check()).resolves.toBeUndefined();
    expect(await store.get(KEY)).toEqual({ bytes: PNG, contentType: 'image/png' });
  });
});
