import { describe, expect, it } from 'vitest';
import { ConfigError, loadAppConfig } from '../../../src/config/app-config.js';
import { effectiveSettings } from '../../../src/config/effective-settings.js';

const BUCKET = { S3_BUCKET: 'images' };

describe('loadAppConfig: S3_*', () => {
  it('keeps images on local disk without S3_BUCKET, also when the manifests leave the other variables empty', () => {
    expect(loadAppConfig({}).s3).toBeUndefined();
    expect(loadAppConfig({ S3_BUCKET: '', S3_ENDPOINT: '', S3_PUBLIC_URL: '', S3_REGION: 'us-east-1' }).s3).toBeUndefined();
  });

  it('reads a MinIO bucket: endpoint, path style, explicit keys; hosted URLs through the gateway by default', () => {
    const config = loadAppConfig({
      ...BUCKET,
      S3_ENDPOINT: 'http://minio:9000/',
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: 'minio-user',
      S3_SECRET_ACCESS_KEY: 'minio-secret-0123456789',
    });
    expect(config.s3).toEqual({
      bucket: 'images',
      endpoint: 'http://minio:9000',
      region: 'us-east-1',
      credentials: { accessKeyId: 'minio-user', secretAccessKey: 'minio-secret-0123456789' },
      forcePathStyle: true,
      urls: { mode: 'gateway' },
    });
  });

  it('uses the AWS default credential chain without keys, and takes the region', () => {
    const config = loadAppConfig({ ...BUCKET, S3_REGION: 'eu-west-1' });
    expect(config.s3).toMatchObject({ endpoint: undefined, region: 'eu-west-1', credentials: undefined, forcePathStyle: false });
  });

  it('picks public URLs with S3_PUBLIC_URL and presigned ones with S3_URL_TTL', () => {
    expect(loadAppConfig({ ...BUCKET, S3_PUBLIC_URL: 'https://cdn.example.com/images/' }).s3?.urls).toEqual({
      mode: 'public',
      publicUrl: 'https://cdn.example.com/images',
    });
    expect(loadAppConfig({ ...BUCKET, S3_URL_TTL: '3600' }).s3?.urls).toEqual({ mode: 'presigned', urlTtlSeconds: 3600 });
  });

  it.each([
    [{ S3_ENDPOINT: 'http://minio:9000' }, /S3_ENDPOINT: set, but S3_BUCKET is not/],
    [{ S3_PUBLIC_URL: 'https://cdn.example.com' }, /S3_PUBLIC_URL: set, but S3_BUCKET is not/],
    [{ ...BUCKET, S3_ACCESS_KEY_ID: 'only-the-id' }, /S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: set both, or neither/],
    [{ ...BUCKET, S3_SECRET_ACCESS_KEY: 'only-the-secret' }, /S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: set both, or neither/],
    [{ ...BUCKET, S3_ENDPOINT: 'minio:9000' }, /S3_ENDPOINT: must be an http\(s\) URL/],
    [{ ...BUCKET, S3_PUBLIC_URL: 'ftp://cdn.example.com' }, /S3_PUBLIC_URL: must be an http\(s\) URL/],
    [{ ...BUCKET, S3_FORCE_PATH_STYLE: 'yes' }, /S3_FORCE_PATH_STYLE: must be 'true' or 'false'/],
    [{ ...BUCKET, S3_URL_TTL: '1.5' }, /S3_URL_TTL: must be a whole number of seconds/],
    [{ ...BUCKET, S3_URL_TTL: '0' }, /S3_URL_TTL: .*>=\s*1/],
    [{ ...BUCKET, S3_URL_TTL: '604801' }, /S3_URL_TTL: must be at most 604800/],
    [
      { ...BUCKET, S3_URL_TTL: '60', S3_PUBLIC_URL: 'https://cdn.example.com' },
      /S3_URL_TTL: presigned URLs and S3_PUBLIC_URL exclude each other/,
    ],
  ])('rejects %o, naming the variable', (env, message) => {
    expect(() => loadAppConfig(env)).toThrow(ConfigError);
    expect(() => loadAppConfig(env)).toThrow(message);
  });

  it('never puts the secret key in a configuration error', () => {
    const error = (() => {
      try {
        loadAppConfig({ S3_SECRET_ACCESS_KEY: 'very-secret-value-123', S3_ACCESS_KEY_ID: 'AKIAEXAMPLE' });
      } catch (caught) {
        return caught as Error;
      }
      return undefined;
    })();
    expect(error?.message).toMatch(/S3_SECRET_ACCESS_KEY: set, but S3_BUCKET is not/);
    expect(error?.message).not.toContain('very-secret-value-123');
  });

  it('shows the settings with both keys masked', () => {
    const settings = effectiveSettings(
      loadAppConfig({
        ...BUCKET,
        S3_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE',
        S3_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      }),
    );
    expect(settings).toMatchObject({
      S3_BUCKET: 'images',
      S3_ACCESS_KEY_ID: '••••MPLE',
      S3_SECRET_ACCESS_KEY: '••••EKEY',
      S3_URL_TTL: null,
    });
    expect(JSON.stringify(settings)).not.toContain('wJalrXUtnFEMI');
  });
});
