import { loadSharp } from './load-sharp.js';
import type { ImageFormat } from '../domain/image-format.js';

/** An image small enough to show inline, e.g. in an agent's context. */
export interface ImagePreview {
  bytes: Buffer;
  format: 'png' | 'jpeg' | 'webp';
  width: number;
  height: number;
  /** Whether these are new bytes rather than the original's. */
  downscaled: boolean;
}

export interface PreviewLimits {
  /** Longest side in pixels. */
  maxSide: number;
  /** Above this, even an image within `maxSide` is re-encoded. */
  maxBytes: number;
}

/** Lossy but clean at preview sizes; a preview stands for the hosted original, it never replaces it. */
const PREVIEW_WEBP_QUALITY = 80;

const SHOWN_AS_IS: ReadonlySet<ImageFormat> = new Set(['png', 'jpeg', 'webp']);

/**
 * The original when it is already small and in a format every client displays; otherwise a WebP
 * that fits `maxSide` (WebP keeps transparency, which JPEG would flatten, at a fraction of PNG's size).
 */
export async function previewImage(bytes: Buffer, format: ImageFormat, limits: PreviewLimits): Promise<ImagePreview> {
  const sharp = await loadSharp();
  const metadata = await sharp(bytes).metadata();
  const { width, height } = metadata.autoOrient;
  if (SHOWN_AS_IS.has(format) && Math.max(width, height) <= limits.maxSide && bytes.length <= limits.maxBytes) {
    return { bytes, format: format as ImagePreview['format'], width, height, downscaled: false };
  }
  const { data, info } = await sharp(bytes, { failOn: 'error', autoOrient: true })
    .resize({ width: limits.maxSide, height: limits.maxSide, fit: 'inside', withoutEnlargement: true })
    .webp({ quality: PREVIEW_WEBP_QUALITY })
    .toBuffer({ resolveWithObject: true });
  // Flat synthetic pictures can compress better as PNG than as lossy WebP: never send more bytes for less.
  const resized = info.width !== width || info.height !== height;
  if (!resized && SHOWN_AS_IS.has(format) && data.length >= bytes.length) {
    return { bytes, format: format as ImagePreview['format'], width, height, downscaled: false };
  }
  return { bytes: data, format: 'webp', width: info.width, height: info.height, downscaled: true };
}
