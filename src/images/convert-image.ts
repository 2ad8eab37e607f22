import type { Sharp } from 'sharp';
import { loadSharp } from './load-sharp.js';
import type { ImageSize } from '../domain/image-request.js';
import type { ImageFormat, RasterOutputFormat } from '../domain/image-format.js';

/** Lossy quality (1-100) used when the client did not ask for one: visually clean, ~3x smaller than 100. */
export const DEFAULT_LOSSY_QUALITY = 90;
/** zlib level for PNG: 6 is within a few percent of 9 in size at a fraction of the time. */
export const PNG_COMPRESSION_LEVEL = 6;
/** libwebp's own default effort (0 fastest - 6 smallest). */
export const DEFAULT_WEBP_EFFORT = 4;
/** JPEG has no alpha channel: transparent pixels become white, as in browsers' "save as JPEG". */
const JPEG_BACKGROUND = '#ffffff';

export interface EncodeOptions {
  /** 1-100 for JPEG and WebP (e.g. OpenAI's `output_compression`); PNG is lossless and ignores it. */
  quality?: number;
  /** WebP encoder effort, 0-6: lower is faster and slightly larger. */
  webpEffort?: number;
}

/**
 * Converts encoded image bytes to an output format. When nothing changes (`from === to`) the very
 * same buffer is returned, never a re-encode: re-encoding a lossy image only loses quality.
 */
export async function convertImage(bytes: Buffer, from: ImageFormat, to: RasterOutputFormat, options: EncodeOptions = {}): Promise<Buffer> {
  if (from === to) return bytes;
  const sharp = await loadSharp();
  // The output carries no EXIF, so the orientation tag is applied to the pixels instead of lost.
  // Animated inputs (GIF, WebP) keep their first frame only.
  return encodeAs(sharp(bytes, { failOn: 'error', autoOrient: true }), to, options).toBuffer();
}

/**
 * Appends the gateway's encoder settings for `to` to a sharp pipeline, so conversion, masked edits
 * and the test renderer all encode alike.
 */
export function encodeAs(pipeline: Sharp, to: RasterOutputFormat, options: EncodeOptions = {}): Sharp {
  const quality = options.quality ?? DEFAULT_LOSSY_QUALITY;
  switch (to) {
    case 'png':
      return pipeline.png({ compressionLevel: PNG_COMPRESSION_LEVEL });
    case 'webp':
      return pipeline.webp({ quality, effort: options.webpEffort ?? DEFAULT_WEBP_EFFORT });
    case 'jpeg':
      // mozjpeg saves ~10% of bytes but takes several times longer; latency matters more here.
      return pipeline.flatten({ background: JPEG_BACKGROUND }).jpeg({ quality, mozjpeg: false });
  }
}

/** Width and height of encoded image bytes as displayed (EXIF orientation applied). */
export async function imageSize(bytes: Buffer): Promise<ImageSize> {
  const sharp = await loadSharp();
  const metadata = await sharp(bytes).metadata();
  return { width: metadata.autoOrient.width, height: metadata.autoOrient.height };
}
