import { invalidParam } from '../errors/api-error.js';
import type { InputImage } from '../domain/image-request.js';
import type { ImageFormat } from '../domain/image-format.js';

/** Formats that carry the alpha channel a mask is read from (OpenAI accepts PNG; WebP is as good). */
const MASK_FORMATS: ReadonlySet<ImageFormat> = new Set(['png', 'webp']);

const FORMAT_NAMES: Record<ImageFormat, string> = {
  png: 'PNG',
  jpeg: 'JPEG',
  webp: 'WebP',
  gif: 'GIF',
  avif: 'AVIF',
  tiff: 'TIFF',
  svg: 'SVG',
};

/**
 * Checks a mask against OpenAI's convention: transparent pixels (alpha 0) mark the area to edit, so
 * the mask must be a PNG or WebP with an alpha channel, drawn over the first image at its size.
 * Both sizes are as displayed (EXIF orientation applied), as `readInputImage` reports them.
 */
export function validateMask(mask: InputImage, image: InputImage): void {
  if (!MASK_FORMATS.has(mask.format) || !mask.hasAlpha) {
    const got = MASK_FORMATS.has(mask.format)
      ? `a ${FORMAT_NAMES[mask.format]} without an alpha channel`
      : `a ${FORMAT_NAMES[mask.format]}`;
    throw invalidParam(
      'mask',
      `'mask' must be a PNG or WebP with an alpha channel (transparent pixels mark the area to edit), got ${got}`,
      'invalid_mask',
    );
  }
  if (mask.width !== image.width || mask.height !== image.height) {
    throw invalidParam(
      'mask',
      `'mask' must have the same dimensions as the first image (${image.width}x${image.height}), got ${mask.width}x${mask.height}`,
      'invalid_mask',
    );
  }
}
