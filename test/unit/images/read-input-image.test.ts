import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/errors/api-error.js';
import { MAX_INPUT_EDGE, readInputImage } from '../../../src/images/read-input-image.js';
import { noisyImage, pngClaimingSize, solidImage } from '../../fixtures/images/make-test-images.js';

/** The ApiError a promise rejects with (fails the test if it resolves or throws something else). */
async function apiErrorOf(promise: Promise<unknown>): Promise<ApiError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('readInputImage', () => {
  it('describes a PNG with alpha and returns the very same bytes', async () => {
    const bytes = await solidImage('png', 40, 30, { r: 1, g: 2, b: 3, alpha: 0.5 });
    const image = await readInputImage(bytes, 'image[]');
    expect(image).toEqual({ bytes, format: 'png', width: 40, height: 30, hasAlpha: true });
    expect(image.bytes).toBe(bytes);
  });

  it('describes a JPEG (no alpha) and the other readable formats', async () => {
    expect(await readInputImage(await noisyImage('jpeg', 64, 48), 'image')).toMatchObject({
      format: 'jpeg',
      width: 64,
      height: 48,
      hasAlpha: false,
    });
    for (const format of ['webp', 'gif', 'avif', 'tiff'] as const) {
      const image = await readInputImage(await solidImage(format, 20, 10, { r: 9, g: 9, b: 9 }), 'image[]');
      expect(image).toMatchObject({ format, width: 20, height: 10 });
    }
  });

  it('reports the displayed size of a JPEG rotated by EXIF orientation 6, without touching its bytes', async () => {
    const bytes = await sharp({ create: { width: 200, height: 100, channels: 3, background: '#ff0000' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const image = await readInputImage(bytes, 'image[]');
    expect([image.width, image.height]).toEqual([100, 200]);
    expect(image.bytes).toBe(bytes);
    expect((await sharp(image.bytes).metadata()).orientation).toBe(6);
  });

  it('rejects a text file with a 400 that names the parameter', async () => {
    const error = await apiErrorOf(readInputImage(Buffer.from('name,price\nfoo,1\n'), 'image[]'));
    expect(error.status).toBe(400);
    expect(error.param).toBe('image[]');
    expect(error.message).toBe("'image[]' is not a supported image (expected PNG, JPEG, WebP, GIF, AVIF or TIFF)");
  });

  it.each(['png', 'jpeg', 'webp'] as const)('rejects a %s cut in half as truncated or corrupt', async (format) => {
    const bytes = await noisyImage(format, 256, 256);
    const error = await apiErrorOf(readInputImage(bytes.subarray(0, Math.floor(bytes.length / 2)), 'image[]'));
    expect(error.status).toBe(400);
    expect(error.param).toBe('image[]');
    expect(error.message).toBe("'image[]' could not be decoded: the file is truncated or corrupt");
  });

  it('rejects a PNG whose compressed pixel data is corrupted mid-file', async () => {
    const bytes = Buffer.from(await noisyImage('png', 256, 256));
    const middle = Math.floor(bytes.length / 2);
    for (let index = middle; index < middle + 64; index += 1) bytes[index] = (bytes[index] ?? 0) ^ 0x5a;
    const error = await apiErrorOf(readInputImage(bytes, 'mask'));
    expect(error.param).toBe('mask');
    expect(error.message).toContain('truncated or corrupt');
  });

  it('rejects a decompression bomb from its header, before decoding pixels', async () => {
    const error = await apiErrorOf(readInputImage(await pngClaimingSize(50_000, 50_000), 'image[]'));
    expect(error.status).toBe(400);
    expect(error.param).toBe('image[]');
    expect(error.message).toContain('50000x50000');
    expect(error.code).toBe('image_too_large');
  });

  it('rejects an edge over the limit and an area over 40 megapixels', async () => {
    const tooWide = await apiErrorOf(readInputImage(await solidImage('png', MAX_INPUT_EDGE + 1, 1, { r: 0, g: 0, b: 0 }), 'image[]'));
    expect(tooWide.message).toContain(`${MAX_INPUT_EDGE + 1}x1`);
    // 6400x6400 = 41 megapixels with both edges within 8192.
    const tooManyPixels = await apiErrorOf(readInputImage(await pngClaimingSize(6400, 6400), 'mask'));
    expect(tooManyPixels.param).toBe('mask');
    expect(tooManyPixels.message).toContain('40 megapixels');
  });

  it('accepts an image at the edge limit', async () => {
    const image = await readInputImage(await solidImage('png', MAX_INPUT_EDGE, 2, { r: 0, g: 0, b: 0 }), 'image[]');
    expect(image.width).toBe(MAX_INPUT_EDGE);
  });
});
