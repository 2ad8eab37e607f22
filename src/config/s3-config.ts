import { z } from 'zod';

/** SigV4 presigned URLs live at most 7 days. */
export const MAX_PRESIGNED_URL_SECONDS = 604_800;

/** Where images go when `S3_BUCKET` is set: an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, ...). */
export interface S3Config {
  bucket: string;
  /** `undefined` → AWS S3 itself; else the endpoint of an S3-compatible server (`http://minio:9000`). */
  endpoint: string | undefined;
  region: string;
  /** `undefined` → the AWS SDK's default credential chain (environment, shared files, instance or pod role). */
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  /** `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key` (MinIO and most self-hosted servers). */
  forcePathStyle: boolean;
  /**
   * How hosted URLs reach the bytes: `public` → `{publicUrl}/{key}` straight from the bucket (or its CDN);
   * `presigned` → a presigned GET URL valid `urlTtlSeconds`; `gateway` → `{PUBLIC_URL}/storage/{key}`.
   */
  urls: { mode: 'gateway' } | { mode: 'public'; publicUrl: string } | { mode: 'presigned'; urlTtlSeconds: number };
}

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const s3EnvSchema = z.object({
  S3_BUCKET: optionalText,
  S3_ENDPOINT: optionalText.pipe(z.url({ protocol: /^https?$/, message: "must be an http(s) URL such as 'http://minio:9000'" }).optional()),
  S3_REGION: optionalText,
  S3_ACCESS_KEY_ID: optionalText,
  S3_SECRET_ACCESS_KEY: optionalText,
  S3_FORCE_PATH_STYLE: optionalText.pipe(z.enum(['true', 'false', '1', '0'], { message: "must be 'true' or 'false'" }).optional()),
  S3_PUBLIC_URL: optionalText.pipe(
    z.url({ protocol: /^https?$/, message: "must be an http(s) URL such as 'https://images.example.com'" }).optional(),
  ),
  S3_URL_TTL: optionalText.pipe(
    z
      .string()
      .regex(/^\d+$/, 'must be a whole number of seconds')
      .transform(Number)
      .pipe(
        z.number().int().min(1).max(MAX_PRESIGNED_URL_SECONDS, `must be at most ${MAX_PRESIGNED_URL_SECONDS} (7 days, the SigV4 limit)`),
      )
      .optional(),
  ),
});

/** Variables that mean nothing without a bucket: setting one alone is a mistake worth stopping for. */
const NEEDS_BUCKET = ['S3_ENDPOINT', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'S3_PUBLIC_URL', 'S3_URL_TTL'] as const;

/** The S3 settings, `undefined` when `S3_BUCKET` is unset (images on local disk); problems as `VARIABLE: message` lines. */
export function parseS3Config(env: NodeJS.ProcessEnv): { config: S3Config | undefined; problems: string[] } {
  const parsed = s3EnvSchema.safeParse(env);
  if (!parsed.success) {
    return { config: undefined, problems: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) };
  }
  const values = parsed.data;
  const problems: string[] = [];
  if (values.S3_BUCKET === undefined) {
    for (const name of NEEDS_BUCKET) {
      if (values[name] !== undefined) problems.push(`${name}: set, but S3_BUCKET is not; set S3_BUCKET to store images in S3`);
    }
    return { config: undefined, problems };
  }
  if ((values.S3_ACCESS_KEY_ID === undefined) !== (values.S3_SECRET_ACCESS_KEY === undefined)) {
    problems.push(
      'S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: set both, or neither to use the AWS default credential chain (environment, shared config, instance or pod role)',
    );
  }
  if (values.S3_PUBLIC_URL !== undefined && values.S3_URL_TTL !== undefined) {
    problems.push('S3_URL_TTL: presigned URLs and S3_PUBLIC_URL exclude each other; unset one of them');
  }
  if (problems.length > 0) return { config: undefined, problems };
  return {
    config: {
      bucket: values.S3_BUCKET,
      endpoint: values.S3_ENDPOINT?.replace(/\/+$/, ''),
      // The SDK needs one; S3-compatible servers mostly ignore it (R2 takes 'auto').
      region: values.S3_REGION ?? 'us-east-1',
      credentials:
        values.S3_ACCESS_KEY_ID !== undefined && values.S3_SECRET_ACCESS_KEY !== undefined
          ? { accessKeyId: values.S3_ACCESS_KEY_ID, secretAccessKey: values.S3_SECRET_ACCESS_KEY }
          : undefined,
      forcePathStyle: values.S3_FORCE_PATH_STYLE === 'true' || values.S3_FORCE_PATH_STYLE === '1',
      urls:
        values.S3_PUBLIC_URL !== undefined
          ? { mode: 'public', publicUrl: values.S3_PUBLIC_URL.replace(/\/+$/, '') }
          : values.S3_URL_TTL !== undefined
            ? { mode: 'presigned', urlTtlSeconds: values.S3_URL_TTL }
            : { mode: 'gateway' },
    },
    problems,
  };
}
