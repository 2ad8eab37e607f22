import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { convertImage, imageSize } from '../../../src/images/convert-image.js';
import { sniffImageFormat } from '../../../src/images/sniff-image-format.js';
import { noisyImage, pixelAt, rgbaPixels, solidImage } from '../../fixtures/images/make-test-images.js';

describe('convertImage', () => {
  it('returns the same buffer object when the format does not change', async () => {
    const bytes = await noisyImage('webp', 32, 32);
    expect(await convertImage(bytes, 'webp', 'webp')).toBe(bytes);
    expect(await convertImage(bytes, 'webp', 'webp', { quality: 10 })).toBe(bytes);
  });

  it.each([
    ['png', 'webp'],
    ['png', 'jpeg'],
    ['jpeg', 'png'],
    ['gif', 'webp'],
    ['avif', 'png'],
    ['tiff', 'jpeg'],
  ] as const)('converts %s to %s with the same size', async (from, to) => {
    const bytes = await solidImage(from, 48, 20, { r: 30, g: 160, b: 90 });
    const converted = await convertImage(bytes, from, to);
    expect(sniffImageFormat(converted)).toBe(to);
    const metadata = await sharp(converted).metadata();
    expect([metadata.width, metadata.height]).toEqual([48, 20]);
  });

  it('flattens transparency onto white for JPEG', async () => {
    const transparent = await solidImage('png', 8, 8, { r: 0, g: 0, b: 0, alpha: 0 });
    const pixels = await rgbaPixels(await convertImage(transparent, 'png', 'jpeg'));
    expect(pixelAt(pixels, 4, 4)).toEqual([255, 255, 255, 255]);
  });

  it('keeps transparency for WebP and PNG', async () => {
    const halfTransparent = await solidImage('png', 8, 8, { r: 255, g: 0, b: 0, alpha: 0.5 });
    const webp = await convertImage(halfTransparent, 'png', 'webp', { quality: 100 });
    expect((await sharp(webp).metadata()).hasAlpha).toBe(true);
  });

  it('applies the EXIF orientation to the pixels, since the output carries no EXIF', async () => {
    const rotated = await sharp({ create: { width: 60, height: 30, channels: 3, background: '#00ff00' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const png = await convertImage(rotated, 'jpeg', 'png');
    const metadata = await sharp(png).metadata();
    expect([metadata.width, metadata.height, metadata.orientation]).toEqual([30, 60, undefined]);
  });

  it('honours the requested quality', async () => {
    const bytes = await noisyImage('png', 128, 128);
    const small = await convertImage(bytes, 'png', 'webp', { quality: 20 });
    const large = await convertImage(bytes, 'png', 'webp', { quality: 95 });
    expect(large.length).toBeGreaterThan(small.length);
  });
});

describe('imageSize', () => {
  it('reads the displayed size', async () => {
    const rotated = await sharp({ create: { width: 60, height: 30, channels: 3, background: '#00ff00' } })
      .jpeg()
      .withMetadata({ orientation: 8 })
      .toBuffer();
    expect(await imageSize(rotated)).toEqual({ width: 30, height: 60 });
    expect(await imageSize(await solidImage('png', 7, 9, { r: 0, g: 0, b: 0 }))).toEqual({ width: 7, height: 9 });
  });
});
