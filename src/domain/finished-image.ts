import type { ImageFormat } from './image-format.js';

/** A generated image after post-processing, in the requested output format. */
export interface FinishedImage {
  format: ImageFormat;
  /** Displayed size in pixels; 0×0 for an SVG document that declares no size (SVG may have none). */
  width: number;
  height: number;
  /** Base64 text kept from the upstream (pass-through), when it is already in the right format. */
  base64: Buffer | undefined;
  /** Encoded bytes, when they were decoded, downloaded or converted. */
  decoded: Buffer | undefined;
  /** The upstream's rewrite of the prompt, when it made one. */
  revisedPrompt?: string | undefined;
}

/** A stored image: its storage key and public URL. */
export interface StoredImageRef {
  key: string;
  url: string;
}

/** Base64 characters decoded per step: small strings stay in the young generation, cheap to collect. */
const DECODE_CHUNK_CHARS = 64 * 1024;

/** Base64 text (as bytes) decoded piecewise into one buffer, instead of through a multi-megabyte string. */
export function decodeBase64Text(base64: Buffer): Buffer {
  const target = Buffer.allocUnsafe(Math.ceil(base64.length / 4) * 3);
  let written = 0;
  for (let start = 0; start < base64.length; start += DECODE_CHUNK_CHARS) {
    written += target.write(base64.toString('latin1', start, Math.min(base64.length, start + DECODE_CHUNK_CHARS)), written, 'base64');
  }
  return target.subarray(0, written);
}

/** The encoded bytes of a finished image (decoding kept base64 only when something needs bytes). */
export function finishedImageBytes(image: FinishedImage): Buffer {
  if (image.decoded) return image.decoded;
  if (image.base64) return decodeBase64Text(image.base64);
  throw new Error('finished image without content');
}

/** The base64 text of a finished image, as bytes. */
export function finishedImageBase64(image: FinishedImage): Buffer {
  return image.base64 ?? Buffer.from(finishedImageBytes(image).toString('base64'), 'latin1');
}
