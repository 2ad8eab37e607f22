import { describe, expect, it } from 'vitest';
import { createHostedImageUrls, type HostedImageUrlsOptions } from '../../../src/storage/hosted-image-urls.js';

const DAY_MS = 86_400_000;
const FILE = '3f2c9a4e-1b7d-4c59-9d0e-8a6b5c4d3e2f.png';
const NOW = Date.UTC(2026, 6, 1);

const urlsWith = (overrides: Partial<HostedImageUrlsOptions>) =>
  createHostedImageUrls({
    publicUrl: () => 'https://gateway.example.com',
    mode: { mode: 'gateway' },
    retentionDays: 2,
    clock: () => NOW,
    ...overrides,
  });

describe('createHostedImageUrls', () => {
  it('points at the gateway by default, and knows no other prefix', async () => {
    const urls = urlsWith({});
    expect(await urls.urlOf(FILE, NOW)).toBe(`https://gateway.example.com/storage/${FILE}`);
    expect(urls.objectUrlBases()).toEqual([]);
  });

  it('points at S3_PUBLIC_URL in public mode, and counts it and the bucket as our own', async () => {
    const urls = urlsWith({ mode: { mode: 'public', publicUrl: 'https://cdn.example.com/images' }, bucketUrlBase: 'http://minio:9000/b/' });
    expect(await urls.urlOf(FILE, NOW)).toBe(`https://cdn.example.com/images/${FILE}`);
    expect(urls.objectUrlBases()).toEqual(['https://cdn.example.com/images/', 'http://minio:9000/b/']);
  });

  it('presigns for S3_URL_TTL, and never past the end of the retention', async () => {
    const asked: number[] = [];
    const urls = urlsWith({
      mode: { mode: 'presigned', urlTtlSeconds: 3600 },
      presign: async (file, seconds) => {
        asked.push(seconds);
        return `signed:${file}`;
      },
    });
    expect(await urls.urlOf(FILE, NOW)).toBe(`signed:${FILE}`);
    // Stored 2 days minus 10 minutes ago: 600 seconds left.
    await urls.urlOf(FILE, NOW - 2 * DAY_MS + 600_000);
    // Already expired: the shortest link S3 takes, to an image that is gone anyway.
    await urls.urlOf(FILE, NOW - 3 * DAY_MS);
    expect(asked).toEqual([3600, 600, 1]);
  });

  it("lists a successful generation's URLs, and none for a failed or running one", async () => {
    const urls = urlsWith({});
    expect(await urls.ofGeneration({ status: 'success', outputIds: [FILE], createdAt: NOW })).toEqual([
      `https://gateway.example.com/storage/${FILE}`,
    ]);
    expect(await urls.ofGeneration({ status: 'error', outputIds: [FILE], createdAt: NOW })).toEqual([]);
    expect(await urls.ofGeneration({ status: 'processing', outputIds: [], createdAt: NOW })).toEqual([]);
  });
});
