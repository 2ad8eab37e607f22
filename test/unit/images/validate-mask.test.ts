import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/errors/api-error.js';
import type { InputImage } from '../../../src/domain/image-request.js';
import { readInputImage } from '../../../src/images/read-input-image.js';
import { validateMask } from '../../../src/images/validate-mask.js';
import { solidImage } from '../../fixtures/images/make-test-images.js';

function thrownBy(action: () => void): ApiError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error('expected validateMask to throw');
}

describe('validateMask', () => {
  it('accepts a PNG or WebP mask with alpha and the size of image 1', async () => {
    const image = await readInputImage(await solidImage('jpeg', 64, 32, { r: 5, g: 5, b: 5 }), 'image[]');
    for (const format of ['png', 'webp'] as const) {
      const mask = await readInputImage(await solidImage(format, 64, 32, { r: 0, g: 0, b: 0, alpha: 0 }), 'mask');
      expect(() => validateMask(mask, image)).not.toThrow();
    }
  });

  it('rejects a JPEG mask: masks need an alpha channel', async () => {
    const image = await readInputImage(await solidImage('png', 64, 32, { r: 5, g: 5, b: 5 }), 'image[]');
    const mask = await readInputImage(await solidImage('jpeg', 64, 32, { r: 0, g: 0, b: 0 }), 'mask');
    const error = thrownBy(() => validateMask(mask, image));
    expect(error.status).toBe(400);
    expect(error.param).toBe('mask');
    expect(error.message).toContain('alpha channel');
    expect(error.message).toContain('PNG or WebP');
    expect(error.message).toContain('got a JPEG');
  });

  it('rejects a PNG mask without an alpha channel', async () => {
    const image = await readInputImage(await solidImage('png', 64, 32, { r: 5, g: 5, b: 5 }), 'image[]');
    const mask = await readInputImage(await solidImage('png', 64, 32, { r: 0, g: 0, b: 0 }), 'mask');
    expect(thrownBy(() => validateMask(mask, image)).message).toContain('got a PNG without an alpha channel');
  });

  it('rejects a mask whose size differs from image 1', () => {
    const described = (width: number, height: number, format: 'png' | 'jpeg'): InputImage => ({
      bytes: Buffer.alloc(0),
      format,
      width,
      height,
      hasAlpha: format === 'png',
    });
    const error = thrownBy(() => validateMask(described(512, 512, 'png'), described(1024, 1024, 'jpeg')));
    expect(error.status).toBe(400);
    expect(error.param).toBe('mask');
    expect(error.message).toBe("'mask' must have the same dimensions as the first image (1024x1024), got 512x512");
  });
});
