import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { previewImage } from '../../../src/images/preview-image.js';
import { noisyImage, solidImage } from '../../fixtures/images/make-test-images.js';

const LIMITS = { maxSide: 256, maxBytes: 64 * 1024 };

describe('previewImage', () => {
  it('keeps a small PNG, JPEG or WebP as it is (the same buffer)', async () => {
    for (const format of ['png', 'jpeg', 'webp'] as const) {
      const bytes = await solidImage(format, 200, 100, { r: 200, g: 40, b: 40 });
      const preview = await previewImage(bytes, format, LIMITS);
      expect(preview.bytes).toBe(bytes);
      expect(preview).toMatchObject({ format, width: 200, height: 100, downscaled: false });
    }
  });

  it('fits a large image inside maxSide as WebP, keeping the aspect ratio', async () => {
    const preview = await previewImage(await noisyImage('png', 1000, 400), 'png', LIMITS);
    expect(preview).toMatchObject({ format: 'webp', width: 256, height: 102, downscaled: true });
    const metadata = await sharp(preview.bytes).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['webp', 256, 102]);
  });

  it('re-encodes an image within maxSide whose bytes exceed maxBytes, at the same size', async () => {
    const photoLike = await sharp({
      create: { width: 250, height: 250, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 30 } },
    })
      .png()
      .toBuffer();
    expect(photoLike.length).toBeGreaterThan(LIMITS.maxBytes);
    const preview = await previewImage(photoLike, 'png', LIMITS);
    expect(preview).toMatchObject({ format: 'webp', width: 250, height: 250, downscaled: true });
    expect(preview.bytes.length).toBeLessThan(photoLike.length);
  });

  it('keeps the original when re-encoding at the same size would not make it smaller', async () => {
    // This fixture's pseudo-random pixels happen to pack far better as PNG than as lossy WebP.
    const bytes = await noisyImage('png', 250, 250);
    const preview = await previewImage(bytes, 'png', { maxSide: 256, maxBytes: Math.floor(bytes.length / 2) });
    expect(preview.bytes).toBe(bytes);
    expect(preview).toMatchObject({ format: 'png', width: 250, height: 250, downscaled: false });
  });

  it('converts formats not every client shows (GIF) and keeps transparency', async () => {
    const preview = await previewImage(await solidImage('gif', 40, 30, { r: 0, g: 0, b: 0, alpha: 0 }), 'gif', LIMITS);
    expect(preview).toMatchObject({ format: 'webp', width: 40, height: 30 });
    expect((await sharp(preview.bytes).metadata()).hasAlpha).toBe(true);
  });
});
