import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { applyMaskedEdit } from '../../../src/images/apply-mask.js';
import { sniffImageFormat } from '../../../src/images/sniff-image-format.js';
import { halfMask, noisyImage, noisyPixels, pixelAt, rgbaPixels, solidImage } from '../../fixtures/images/make-test-images.js';

describe('applyMaskedEdit', () => {
  it('keeps the original where the mask is opaque and takes the edit where it is transparent', async () => {
    const size = { width: 64, height: 48 };
    const original = await noisyImage('png', size.width, size.height);
    const edited = await solidImage('png', size.width, size.height, { r: 0, g: 0, b: 255 });
    const result = await applyMaskedEdit(original, edited, await halfMask(size.width, size.height, 32), size);

    expect(sniffImageFormat(result)).toBe('png');
    const pixels = await rgbaPixels(result);
    const originalPixels = noisyPixels(size.width, size.height);
    for (let y = 0; y < size.height; y += 1) {
      for (let x = 0; x < size.width; x += 1) {
        const offset = (y * size.width + x) * 3;
        const expected = x < 32 ? [...originalPixels.subarray(offset, offset + 3), 255] : [0, 0, 255, 255];
        expect(pixelAt(pixels, x, y)).toEqual(expected);
      }
    }
  });

  it('blends where the mask is half transparent', async () => {
    const original = await solidImage('png', 8, 8, { r: 200, g: 0, b: 0 });
    const edited = await solidImage('png', 8, 8, { r: 0, g: 0, b: 200 });
    const mask = await solidImage('png', 8, 8, { r: 0, g: 0, b: 0, alpha: 0.5 });
    const [r, g, b] = pixelAt(await rgbaPixels(await applyMaskedEdit(original, edited, mask, { width: 8, height: 8 })), 4, 4);
    expect(r).toBeGreaterThan(90);
    expect(r).toBeLessThan(110);
    expect(g).toBe(0);
    expect(b).toBeGreaterThan(90);
    expect(b).toBeLessThan(110);
  });

  it('stretches all three to the requested size and encodes the requested format', async () => {
    const original = await noisyImage('jpeg', 32, 32);
    const edited = await solidImage('webp', 64, 64, { r: 0, g: 255, b: 0 });
    const result = await applyMaskedEdit(original, edited, await halfMask(32, 32, 16), { width: 64, height: 64 }, { format: 'webp' });
    expect(sniffImageFormat(result)).toBe('webp');
    const metadata = await sharp(result).metadata();
    expect([metadata.width, metadata.height, metadata.hasAlpha]).toEqual([64, 64, false]);
    const [r = 0, g = 0, b = 0] = pixelAt(await rgbaPixels(result), 60, 30);
    expect(g).toBeGreaterThan(200);
    expect(r + b).toBeLessThan(40);
  });
});
