import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';

/** s3rver's fixed credentials: it checks signatures, so requests must be signed with these. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface TestS3Server {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  bucket: string;
  /** The gateway's variables for this bucket (path style, fixed credentials). */
  env: Record<string, string>;
  /** Stops answering (the port is closed); `start` brings it back on the same port with the same objects. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** A real S3-compatible server (s3rver) on a free port of 127.0.0.1, with one empty bucket, its objects in a temp dir. */
export async function startTestS3Server(bucket = 'images'): Promise<TestS3Server> {
  const directory = await mkdtemp(path.join(tmpdir(), 'imagerouter-s3-'));
  const serverOn = (port: number) =>
    new S3rver({ address: '127.0.0.1', port, silent: true, directory, configureBuckets: [{ name: bucket }] });
  let server: S3rver | undefined = serverOn(0);
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    env: {
      S3_BUCKET: bucket,
      S3_ENDPOINT: endpoint,
      S3_REGION: 'us-east-1',
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      S3_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    },
    async stop() {
      await server?.close();
      server = undefined;
    },
    async start() {
      server ??= serverOn(port);
      await server.run();
    },
    async close() {
      await server?.close();
      server = undefined;
      await rm(directory, { recursive: true, force: true });
    },
  };
}
