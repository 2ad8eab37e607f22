import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../../src/errors/api-error.js';
import type { InputImage } from '../../../../src/domain/image-request.js';
import { RASTER_OUTPUT_FORMATS as OUTPUT_FORMATS } from '../../../../src/domain/image-format.js';
import { renderTestImage, type TestImageSpec } from '../../../../src/providers/test/render-test-image.js';
import { sniffImageFormat } from '../../../../src/images/sniff-image-format.js';
import { asInputImage, halfMask, noisyImage, pixelAt, rgbaPixels, solidImage } from '../../../fixtures/images/make-test-images.js';

const base: TestImageSpec = { prompt: 'a lighthouse on a cliff at dusk', width: 320, height: 192, quality: 'auto', outputFormat: 'png' };

/** Mean absolute difference per channel value between two same-size RGBA pixel sets over a column range. */
function meanDifference(a: { data: Buffer; width: number; height: number }, b: { data: Buffer }, fromX: number, toX: number): number {
  let total = 0;
  let count = 0;
  for (let y = 0; y < a.height; y += 1) {
    for (let x = fromX; x < toX; x += 1) {
      for (let channel = 0; channel < 3; channel += 1) {
        const offset = (y * a.width + x) * 4 + channel;
        total += Math.abs((a.data[offset] ?? 0) - (b.data[offset] ?? 0));
        count += 1;
      }
    }
  }
  return total / count;
}

describe('renderTestImage', () => {
  it.each(OUTPUT_FORMATS)('renders real %s bytes at exactly the requested size', async (outputFormat) => {
    const bytes = await renderTestImage({ ...base, outputFormat });
    expect(sniffImageFormat(bytes)).toBe(outputFormat);
    const metadata = await sharp(bytes).metadata();
    expect([metadata.width, metadata.height]).toEqual([320, 192]);
  });

  it('is deterministic: the same spec gives identical bytes', async () => {
    for (const outputFormat of OUTPUT_FORMATS) {
      const first = await renderTestImage({ ...base, outputFormat });
      const second = await renderTestImage({ ...base, outputFormat });
      expect(first.equals(second)).toBe(true);
    }
  });

  it('draws a different picture for another prompt or another variant', async () => {
    const reference = await rgbaPixels(await renderTestImage(base));
    const otherPrompt = await rgbaPixels(await renderTestImage({ ...base, prompt: 'a red fox in the snow' }));
    const otherVariant = await rgbaPixels(await renderTestImage({ ...base, variant: 1 }));
    expect(meanDifference(reference, otherPrompt, 0, 320)).toBeGreaterThan(10);
    expect(meanDifference(reference, otherVariant, 0, 320)).toBeGreaterThan(10);
  });

  it.each(OUTPUT_FORMATS)('gives more detail and bytes at high quality than at low (%s)', async (outputFormat) => {
    const spec = { ...base, width: 512, height: 512, outputFormat };
    const low = await renderTestImage({ ...spec, quality: 'low' });
    const high = await renderTestImage({ ...spec, quality: 'high' });
    expect(low.equals(high)).toBe(false);
    expect(high.length).toBeGreaterThan(low.length);
  });

  it('survives prompts full of markup and control characters', async () => {
    const prompt = `<script>alert("x")</script> & ]]> \u0000\u0007\uD800 ${'long '.repeat(200)}`;
    const bytes = await renderTestImage({ ...base, prompt });
    expect(sniffImageFormat(bytes)).toBe('png');
    expect(await renderTestImage({ ...base, prompt: '' })).toBeInstanceOf(Buffer);
  });

  it('rejects sizes it will not draw', async () => {
    await expect(renderTestImage({ ...base, width: 0 })).rejects.toBeInstanceOf(ApiError);
    await expect(renderTestImage({ ...base, height: 10_000 })).rejects.toMatchObject({ status: 400, param: 'size' });
  });

  describe('with input images', () => {
    it('derives the picture from image 1', async () => {
      const red = await asInputImage(await solidImage('png', 100, 100, { r: 255, g: 0, b: 0 }), 'png');
      const green = await asInputImage(await solidImage('jpeg', 100, 100, { r: 0, g: 255, b: 0 }), 'jpeg');
      const fromRed = await rgbaPixels(await renderTestImage({ ...base, images: [red] }));
      const fromGreen = await rgbaPixels(await renderTestImage({ ...base, images: [green] }));
      expect([fromRed.width, fromRed.height]).toEqual([320, 192]);
      expect(meanDifference(fromRed, fromGreen, 0, 320)).toBeGreaterThan(40);
      const redStats = await sharp(fromRed.data, { raw: { width: 320, height: 192, channels: 4 } }).stats();
      expect(redStats.channels[0]?.mean ?? 0).toBeGreaterThan(redStats.channels[1]?.mean ?? 0);
    });

    it('shows the other images too', async () => {
      const first = await asInputImage(await noisyImage('png', 80, 80), 'png');
      const white = await asInputImage(await solidImage('png', 50, 50, { r: 255, g: 255, b: 255 }), 'png');
      const black = await asInputImage(await solidImage('png', 50, 50, { r: 0, g: 0, b: 0 }), 'png');
      const withWhite = await rgbaPixels(await renderTestImage({ ...base, images: [first, white] }));
      const withBlack = await rgbaPixels(await renderTestImage({ ...base, images: [first, black] }));
      expect(meanDifference(withWhite, withBlack, 0, 320)).toBeGreaterThan(5);
    });

    it('with a mask, changes only the transparent area', async () => {
      const original = await noisyImage('png', 256, 160);
      const image: InputImage = await asInputImage(original, 'png');
      const mask = await asInputImage(await halfMask(256, 160, 128), 'png');
      const result = await renderTestImage({ ...base, width: 256, height: 160, images: [image], mask });
      const resultPixels = await rgbaPixels(result);
      const originalPixels = await rgbaPixels(original);
      // Opaque mask (left half): the original, pixel for pixel (PNG output, same size).
      for (let y = 0; y < 160; y += 7) {
        for (let x = 0; x < 128; x += 5) expect(pixelAt(resultPixels, x, y)).toEqual(pixelAt(originalPixels, x, y));
      }
      expect(meanDifference(resultPixels, originalPixels, 0, 128)).toBe(0);
      // Transparent mask (right half): repainted.
      expect(meanDifference(resultPixels, originalPixels, 128, 256)).toBeGreaterThan(10);
    });

    it('with a mask and a larger output size, keeps the opaque area close to the scaled original', async () => {
      const original = await solidImage('png', 100, 100, { r: 10, g: 200, b: 30 });
      const image = await asInputImage(original, 'png');
      const mask = await asInputImage(await halfMask(100, 100, 50), 'png');
      const result = await rgbaPixels(
        await renderTestImage({ ...base, width: 200, height: 200, outputFormat: 'webp', images: [image], mask }),
      );
      expect([result.width, result.height]).toEqual([200, 200]);
      const [r, g, b] = pixelAt(result, 40, 100);
      expect(Math.abs((r ?? 0) - 10) + Math.abs((g ?? 0) - 200) + Math.abs((b ?? 0) - 30)).toBeLessThan(15);
    });
  });
});
