import { existsSync } from 'node:fs';
import path from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/accounts/api-key-repository.js';
import { sweepExpiredImages } from '../../src/storage/sweep-expired-images.js';
import { fetchBytes, getJson, postJson, type Json } from '../helpers/gateway-client.js';
import { forEachDatabase } from '../helpers/test-databases.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';
import { S3RVER_CREDENTIALS, startTestS3Server, type TestS3Server } from '../helpers/test-s3-server.js';

const GENERATIONS = '/v1/openai/images/generations';
const EDITS = '/v1/openai/images/edits';
const DAY_MS = 86_400_000;

const generate = async (gateway: TestGateway, prompt: string): Promise<string> => {
  const result = await postJson(
    gateway.url,
    GENERATIONS,
    { model: 'test/test', prompt, size: '64x64', output_format: 'png' },
    { key: gateway.key },
  );
  expect(result.status, result.text).toBe(200);
  return (result.body as Json).data[0].url as string;
};

/** An edit whose input is `imageUrl`; the gateway's allowlist is empty, so a loopback URL can only be read from the store. */
const editWith = (gateway: TestGateway, imageUrl: string) =>
  postJson(
    gateway.url,
    EDITS,
    { model: 'test/test', prompt: 'make it night', image: imageUrl, size: '64x64', response_format: 'b64_json', output_format: 'png' },
    { key: gateway.key },
  );

const expectEditedPng = async (result: Awaited<ReturnType<typeof editWith>>) => {
  expect(result.status, result.text).toBe(200);
  const bytes = Buffer.from((result.body as Json).data[0].b64_json as string, 'base64');
  expect((await sharp(bytes).metadata()).format).toBe('png');
};

const fileOf = (url: string) => new URL(url).pathname.split('/').pop()!;

/** Generated images live in a real S3-compatible server (s3rver): written there, served from there, swept there. */
describe('image storage in an S3-compatible bucket', () => {
  let s3: TestS3Server;
  let bucket: S3Client;
  const s3Object = async (file: string) => {
    try {
      const object = await bucket.send(new GetObjectCommand({ Bucket: s3.bucket, Key: file }));
      return { bytes: Buffer.from(await object.Body!.transformToByteArray()), contentType: object.ContentType };
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
      throw error;
    }
  };

  beforeAll(async () => {
    s3 = await startTestS3Server();
    bucket = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
  });
  afterAll(async () => {
    bucket?.destroy();
    await s3?.close();
  });

  describe('without S3_PUBLIC_URL: hosted URLs through the gateway', () => {
    let gateway: TestGateway;
    let now = Date.UTC(2026, 6, 1);

    beforeAll(async () => {
      gateway = await startTestGateway({ ...s3.env, IMAGEROUTER_URL_ALLOWLIST: '', IMAGEROUTER_RETENTION_DAYS: '2' }, { clock: () => now });
    });
    afterAll(() => gateway?.close());

    it('writes the image to the bucket with its content type, and serves the same bytes at {PUBLIC_URL}/storage/{file}', async () => {
      const url = await generate(gateway, 'a lighthouse');
      expect(url.startsWith(`${gateway.url}/storage/`)).toBe(true);
      const stored = await s3Object(fileOf(url));
      expect(stored?.contentType).toBe('image/png');
      const served = await fetchBytes(url);
      expect(served.status).toBe(200);
      expect(served.headers.get('content-type')).toBe('image/png');
      expect(served.bytes).toEqual(stored?.bytes);
      // Nothing on the replica's disk: another replica must be able to serve it.
      expect(existsSync(path.join(gateway.dataDir, 'images'))).toBe(false);
    });

    it('takes the hosted URL as an edit input, read from the bucket', async () => {
      await expectEditedPng(await editWith(gateway, await generate(gateway, 'a harbour')));
    });

    it('reports the bucket in /ready', async () => {
      const ready = await getJson(gateway.url, '/ready');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({ status: 'ready', database: 'sqlite', storage: 's3' });
    });

    it('shows the bucket in the admin configuration, the keys masked', async () => {
      const config = await getJson(gateway.url, '/v1/admin/config', { key: await gateway.createKey({ admin: true }) });
      expect(config.status).toBe(200);
      expect(config.body.storage).toEqual({
        kind: 's3',
        bucket: s3.bucket,
        endpoint: s3.endpoint,
        region: 'us-east-1',
        hosted_urls: 'gateway',
        retention_days: 2,
      });
      expect(config.body.settings).toMatchObject({ S3_BUCKET: s3.bucket, S3_ACCESS_KEY_ID: '••••', S3_SECRET_ACCESS_KEY: '••••' });
      expect(config.text).not.toContain(S3RVER_CREDENTIALS.secretAccessKey);
    });

    it('sweeps expired images out of the bucket, in one batch, and keeps the others', async () => {
      const old = fileOf(await generate(gateway, 'soon gone'));
      now += DAY_MS;
      const young = fileOf(await generate(gateway, 'stays'));
      now += DAY_MS;
      const swept = await sweepExpiredImages({ db: gateway.context.database.db, store: gateway.context.store, now, retentionDays: 2 });
      expect(swept).toBeGreaterThanOrEqual(1);
      expect(await s3Object(old)).toBeUndefined();
      expect((await fetchBytes(`${gateway.url}/storage/${old}`)).status).toBe(404);
      expect(await s3Object(young)).toBeDefined();
      expect((await fetchBytes(`${gateway.url}/storage/${young}`)).status).toBe(200);
    });
  });

  describe('DELETE /v1/generations/{id}', () => {
    let gateway: TestGateway;

    beforeAll(async () => {
      gateway = await startTestGateway(s3.env);
    });
    afterAll(() => gateway?.close());

    it("deletes the generation's objects and prompt for its owner, keeps the usage record, and finds nothing the second time", async () => {
      const result = await postJson(
        gateway.url,
        GENERATIONS,
        { model: 'test/test', prompt: 'delete me', n: 2, size: '64x64', output_format: 'png' },
        { key: gateway.key },
      );
      expect(result.status, result.text).toBe(200);
      const id = (result.body as Json).id as string;
      const files = ((result.body as Json).data as Array<{ url: string }>).map((image) => fileOf(image.url));
      for (const file of files) expect(await s3Object(file)).toBeDefined();

      const stranger = await gateway.createKey({ name: 'stranger' });
      const notTheirs = await fetch(`${gateway.url}/v1/generations/${id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${stranger}` },
      });
      expect(notTheirs.status).toBe(404);
      expect(await s3Object(files[0]!)).toBeDefined();

      const erase = () =>
        fetch(`${gateway.url}/v1/generations/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${gateway.key}` } });
      const first = await erase();
      expect(first.status).toBe(200);
      expect(await first.json()).toEqual({ id, object: 'image.generation', deleted: true, images_deleted: 2 });
      for (const file of files) {
        expect(await s3Object(file)).toBeUndefined();
        expect((await fetchBytes(`${gateway.url}/storage/${file}`)).status).toBe(404);
      }
      const record = await getJson(gateway.url, `/v1/generations/${id}`, { key: gateway.key });
      expect(record.body).toMatchObject({ id, status: 'success', prompt: null, model: 'test/test' });
      expect(await (await erase()).json()).toMatchObject({ deleted: true, images_deleted: 0 });
    });

    it('refuses a read-only key with 403, leaving the objects', async () => {
      const result = await postJson(gateway.url, GENERATIONS, { model: 'test/test', prompt: 'kept', size: '64x64' }, { key: gateway.key });
      const id = (result.body as Json).id as string;
      const file = fileOf((result.body as Json).data[0].url as string);
      const { key: readOnly } = await createApiKey(gateway.context.database.db, {
        name: 'read-only',
        scopes: ['read'],
        accountId: (await gateway.context.generations.get(id))!.accountId,
      });
      const refused = await fetch(`${gateway.url}/v1/generations/${id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${readOnly}` },
      });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ error: { code: 'missing_scope' } });
      expect(await s3Object(file)).toBeDefined();
    });
  });

  describe('with S3_PUBLIC_URL: hosted URLs straight from the bucket', () => {
    let gateway: TestGateway;
    let publicUrl: string;

    beforeAll(async () => {
      publicUrl = `${s3.endpoint}/${s3.bucket}`;
      gateway = await startTestGateway({ ...s3.env, S3_PUBLIC_URL: publicUrl, IMAGEROUTER_URL_ALLOWLIST: '' });
    });
    afterAll(() => gateway?.close());

    it('hands out {S3_PUBLIC_URL}/{file}, which serves the same bytes and content type as the gateway', async () => {
      const url = await generate(gateway, 'a public picture');
      expect(url).toMatch(new RegExp(`^${publicUrl}/[0-9a-f-]{36}\\.png$`));
      const direct = await fetchBytes(url);
      const viaGateway = await fetchBytes(`${gateway.url}/storage/${fileOf(url)}`);
      expect(direct.status).toBe(200);
      expect(direct.headers.get('content-type')).toBe('image/png');
      expect(viaGateway.headers.get('content-type')).toBe('image/png');
      expect(direct.bytes).toEqual(viaGateway.bytes);
    });

    it('takes the bucket URL as an edit input without downloading it (the loopback bucket is not allowlisted)', async () => {
      await expectEditedPng(await editWith(gateway, await generate(gateway, 'an input')));
    });
  });

  describe('with S3_URL_TTL: presigned hosted URLs', () => {
    let gateway: TestGateway;
    let now = Date.now();

    beforeAll(async () => {
      gateway = await startTestGateway(
        { ...s3.env, S3_URL_TTL: '604800', IMAGEROUTER_RETENTION_DAYS: '1', IMAGEROUTER_URL_ALLOWLIST: '' },
        { clock: () => now },
      );
    });
    afterAll(() => gateway?.close());

    it('hands out presigned URLs that end no later than the image, and serve its bytes', async () => {
      const url = await generate(gateway, 'a signed picture');
      const parsed = new URL(url);
      expect(`${parsed.origin}${parsed.pathname}`).toBe(`${s3.endpoint}/${s3.bucket}/${fileOf(url)}`);
      expect(parsed.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
      // S3_URL_TTL is a week, the retention a day: the link must not outlive the image.
      expect(Number(parsed.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(86_400);
      expect(Number(parsed.searchParams.get('X-Amz-Expires'))).toBeGreaterThan(86_000);
      const served = await fetchBytes(url);
      expect(served.status).toBe(200);
      expect(served.headers.get('content-type')).toBe('image/png');
      expect(served.bytes).toEqual((await fetchBytes(`${gateway.url}/storage/${fileOf(url)}`)).bytes);
    });

    it('takes a presigned URL as an edit input from the store, and refuses it once the image expired', async () => {
      const url = await generate(gateway, 'edit me');
      await expectEditedPng(await editWith(gateway, url));
      now += DAY_MS;
      // The object is still in the bucket (no sweep yet), but the record says it expired.
      const expired = await editWith(gateway, url);
      expect(expired.status).toBe(400);
      expect(expired.body).toMatchObject({ error: { param: 'image[0]', code: 'image_not_found' } });
    });
  });

  describe('/ready', () => {
    let own: TestS3Server;
    let gateway: TestGateway;

    beforeAll(async () => {
      own = await startTestS3Server();
      gateway = await startTestGateway(own.env);
    });
    afterAll(async () => {
      await gateway?.close();
      await own?.close();
    });

    it('answers 503 naming storage while the bucket is unreachable, and 200 once it is back', async () => {
      expect((await getJson(gateway.url, '/ready')).status).toBe(200);
      await own.stop();
      try {
        const down = await getJson(gateway.url, '/ready');
        expect(down.status).toBe(503);
        expect(down.body).toEqual({
          status: 'not_ready',
          storage: 'unavailable',
          error: { message: 'Image storage does not answer.', type: 'service_unavailable' },
        });
      } finally {
        await own.start();
      }
      expect((await getJson(gateway.url, '/ready')).body).toMatchObject({ status: 'ready', storage: 's3' });
    });
  });
});

/** Two replicas behind one PUBLIC_URL, sharing a database and a bucket: either serves and edits what the other stored. */
forEachDatabase((harness) => {
  describe('two replicas on one bucket', () => {
    let s3: TestS3Server;
    let a: TestGateway;
    let b: TestGateway;

    beforeAll(async () => {
      s3 = await startTestS3Server();
      const env = { ...s3.env, DATABASE_URL: await harness.createEmptyDatabase(), PUBLIC_URL: 'https://images.example.test' };
      a = await startTestGateway(env);
      b = await startTestGateway(env);
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await s3?.close();
    });

    it("serves an image stored by one replica at the other's URL, and edits it there", async () => {
      const url = await generate(a, 'stored by A');
      expect(url.startsWith('https://images.example.test/storage/')).toBe(true);
      const viaA = await fetchBytes(`${a.url}/storage/${fileOf(url)}`);
      const viaB = await fetchBytes(`${b.url}/storage/${fileOf(url)}`);
      expect(viaB.status).toBe(200);
      expect(viaB.headers.get('content-type')).toBe('image/png');
      expect(viaB.bytes).toEqual(viaA.bytes);
      await expectEditedPng(await editWith(b, url));
    });
  });
});
