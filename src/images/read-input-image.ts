import type { Metadata } from 'sharp';
import { loadSharp } from './load-sharp.js';
import { ApiError, invalidParam } from '../errors/api-error.js';
import type { InputImage } from '../domain/image-request.js';
import { isSvgDocument } from './read-svg.js';
import { sniffImageFormat } from './sniff-image-format.js';

/** Longest accepted edge of an input image or mask, in pixels. */
export const MAX_INPUT_EDGE = 8192;
/** Largest accepted input image area: 40 megapixels. */
export const MAX_INPUT_PIXELS = 40_000_000;

/**
 * Checks that `bytes` (an uploaded or downloaded image or mask) is a complete image the gateway
 * can read, within size limits, and describes it. `param` names the request parameter in every
 * 400 (`image[]`, `mask`) so the client knows which upload is at fault. The bytes are returned
 * unchanged: no EXIF rotation, no re-encode.
 */
export async function readInputImage(bytes: Buffer, param: string): Promise<InputImage> {
  const format = sniffImageFormat(bytes);
  // SVG can carry script and external references, and rendering it here would need a sandbox: refused.
  if (format === undefined && isSvgDocument(bytes)) {
    throw invalidParam(
      param,
      `'${param}' is an SVG document; input images must be raster images (PNG, JPEG, WebP, GIF, AVIF or TIFF)`,
      'unsupported_image_format',
    );
  }
  if (format === undefined) {
    throw invalidParam(
      param,
      `'${param}' is not a supported image (expected PNG, JPEG, WebP, GIF, AVIF or TIFF)`,
      'unsupported_image_format',
    );
  }
  const metadata = await readHeader(bytes, param);
  checkDimensions(metadata.width, metadata.height, param);
  await decodeEveryPixel(bytes, param);
  return {
    bytes,
    format,
    // What the user sees (and what a mask is drawn against): EXIF orientations 5-8 swap the edges.
    width: metadata.autoOrient.width,
    height: metadata.autoOrient.height,
    hasAlpha: metadata.hasAlpha,
  };
}

/** Reads only the header, so a decompression bomb is measured before any pixel is decoded. */
async function readHeader(bytes: Buffer, param: string): Promise<Metadata> {
  const sharp = await loadSharp();
  let metadata: Metadata;
  try {
    // No pixel limit here: the header alone is cheap, and we want the real size for the message.
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw undecodable(param, error);
  }
  if (!isPositiveInteger(metadata.width) || !isPositiveInteger(metadata.height)) throw undecodable(param, undefined);
  return metadata;
}

function checkDimensions(width: number, height: number, param: string): void {
  if (width > MAX_INPUT_EDGE || height > MAX_INPUT_EDGE || width * height > MAX_INPUT_PIXELS) {
    throw invalidParam(
      param,
      `'${param}' is ${width}x${height} (${((width * height) / 1e6).toFixed(1)} megapixels); images may be at most ` +
        `${MAX_INPUT_EDGE} pixels per edge and ${MAX_INPUT_PIXELS / 1e6} megapixels`,
      'image_too_large',
    );
  }
}

/**
 * A header can be intact while the pixel data is cut short, and most decoders only notice at the
 * end, so the whole image is decoded once here rather than failing later inside a provider call.
 * One band of raw output keeps the memory at one byte per pixel; `failOn: 'error'` rejects
 * truncated and corrupt data but tolerates the harmless warnings common in camera JPEGs.
 * `limitInputPixels` is the second guard in case a decoder disagrees with the header.
 */
async function decodeEveryPixel(bytes: Buffer, param: string): Promise<void> {
  const sharp = await loadSharp();
  try {
    await sharp(bytes, { failOn: 'error', limitInputPixels: MAX_INPUT_PIXELS }).extractChannel(0).raw().toBuffer();
  } catch (error) {
    throw undecodable(param, error);
  }
}

function undecodable(param: string, cause: unknown): ApiError {
  return new ApiError({
    kind: 'invalid_request',
    param,
    code: 'invalid_image',
    message: `'${param}' could not be decoded: the file is truncated or corrupt`,
    cause,
  });
}

function isPositiveInteger(value: number | undefined): value is number {
  return value !== undefined && Number.isInteger(value) && value > 0;
}
