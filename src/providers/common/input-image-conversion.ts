import { loadSharp } from '../../images/load-sharp.js';
import type { ImageSize, InputImage } from '../../domain/image-request.js';
import type { ImageFormat } from '../../domain/image-format.js';

/** What an upstream accepts for an input image. */
export interface InputImageRequirements {
  formats: ReadonlyArray<ImageFormat>;
}

/** An input image after `prepareInputImage`: EXIF applied, in a format the upstream reads. */
export interface PreparedImage {
  bytes: Buffer;
  format: ImageFormat;
}

/**
 * An input image as an upstream accepts it: EXIF orientation applied (upstreams disagree on honouring
 * it) and re-encoded only when the format isn't accepted or a rotation was needed.
 */
export async function prepareInputImage(image: InputImage, requirements: InputImageRequirements): Promise<PreparedImage> {
  const sharp = await loadSharp();
  const metadata = await sharp(image.bytes).metadata();
  const rotated = (metadata.orientation ?? 1) > 1;
  if (!rotated && requirements.formats.includes(image.format)) return { bytes: image.bytes, format: image.format };
  const target: ImageFormat = requirements.formats.includes('png') ? 'png' : (requirements.formats[0] ?? 'png');
  const pipeline = sharp(image.bytes).rotate();
  const bytes =
    target === 'jpeg'
      ? await pipeline.flatten({ background: '#ffffff' }).jpeg({ quality: 95 }).toBuffer()
      : target === 'webp'
        ? await pipeline.webp({ quality: 95 }).toBuffer()
        : await pipeline.png().toBuffer();
  return { bytes, format: target };
}

/** Where the mask says "edit here": OpenAI's transparent pixels, or white (or black) in a grayscale mask. */
export type MaskConvention = 'alpha' | 'white' | 'black';

/**
 * Converts a client mask (OpenAI's convention: alpha 0 = edit) to an upstream's convention, at the
 * size of the image it applies to. Partial transparency becomes gray, so soft edges survive.
 */
export async function convertMask(mask: InputImage, size: ImageSize, convention: MaskConvention): Promise<Buffer> {
  const sharp = await loadSharp();
  const resized = sharp(mask.bytes).rotate().resize(size.width, size.height, { fit: 'fill' }).ensureAlpha();
  if (convention === 'alpha') return resized.png().toBuffer();
  const alpha = await resized.extractChannel('alpha').raw().toBuffer();
  // alpha 0 (edit) → 255 (white) for the `white` convention; kept as is for `black`.
  const gray = convention === 'white' ? Buffer.from(alpha.map((value) => 255 - value)) : alpha;
  return sharp(gray, { raw: { width: size.width, height: size.height, channels: 1 } })
    .png()
    .toBuffer();
}
