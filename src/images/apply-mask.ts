import type { Sharp } from 'sharp';
import { loadSharp } from './load-sharp.js';
import type { ImageSize } from '../domain/image-request.js';
import { encodeAs, type EncodeOptions } from './convert-image.js';
import type { RasterOutputFormat } from '../domain/image-format.js';

export interface MaskedEditOutput extends EncodeOptions {
  /** Encoding of the result; PNG (lossless) unless the caller wants its final format at once. */
  format?: RasterOutputFormat;
}

/**
 * Enforces a mask on an edit: the result shows `edited` where the mask is transparent (alpha 0),
 * `original` where it is opaque, and a linear blend in between. Used by the test renderer and for
 * upstreams that treat a mask as a hint and repaint the whole picture.
 *
 * All three inputs are encoded images, stretched (not cropped) to `size` so that mask pixel (x, y)
 * keeps pointing at the same spot of both pictures; EXIF orientation is applied first because the
 * mask was validated against the displayed size. In the kept area the original's own transparency
 * is combined with the mask's, so a transparent original lets the edit show through.
 */
export async function applyMaskedEdit(
  original: Buffer,
  edited: Buffer,
  mask: Buffer,
  size: ImageSize,
  output: MaskedEditOutput = {},
): Promise<Buffer> {
  const sharp = await loadSharp();
  const { width, height } = size;
  const raw = { width, height, channels: 4 } as const;
  const [maskPixels, originalHasAlpha, editedHasAlpha] = await Promise.all([
    rgbaPixels(sharp(mask, { autoOrient: true }).resize(width, height, { fit: 'fill' })),
    hasAlpha(original),
    hasAlpha(edited),
  ]);
  // 'dest-in' keeps the original's colours with alpha = mask alpha: opaque mask → fully kept.
  const keptOriginal = await rgbaPixels(
    sharp(original, { autoOrient: true })
      .resize(width, height, { fit: 'fill' })
      .composite([{ input: maskPixels, raw, blend: 'dest-in' }]),
  );
  // 'over' lays the kept original on the edit: where its alpha is 0 only the edit remains.
  const result = sharp(edited, { autoOrient: true })
    .resize(width, height, { fit: 'fill' })
    .composite([{ input: keptOriginal, raw, blend: 'over' }]);
  // Compositing adds an alpha channel; when neither picture had one it is all opaque, so drop it.
  if (!originalHasAlpha && !editedHasAlpha) result.removeAlpha();
  return encodeAs(result, output.format ?? 'png', output).toBuffer();
}

/** Decodes a pipeline to 8-bit RGBA, the layout `composite` expects for raw input. */
async function rgbaPixels(pipeline: Sharp): Promise<Buffer> {
  const { data, info } = await pipeline.ensureAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.channels !== 4) throw new Error(`expected RGBA pixels, got ${info.channels} channels`);
  return data;
}

async function hasAlpha(bytes: Buffer): Promise<boolean> {
  const sharp = await loadSharp();
  return (await sharp(bytes).metadata()).hasAlpha;
}
