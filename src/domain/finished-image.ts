import { decodeBase64Text, decodedLengthBound, type Base64Text } from './base64-text.js';
import type { ImageFormat } from './image-format.js';

/** A generated image after post-processing, in the requested output format. */
export interface FinishedImage {
  format: ImageFormat;
  /** Displayed size in pixels; 0×0 for an SVG document that declares no size (SVG may have none). */
  width: number;
  height: number;
  /** Base64 text kept from the upstream (pass-through), when it is already in the right format. */
  base64: Base64Text | undefined;
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

/**
 * The encoded bytes of a finished image (decoding kept base64 only when something needs bytes).
 * Base64 is decoded into `borrow(size)`'s buffer when given, a new one otherwise.
 */
export function finishedImageBytes(image: FinishedImage, borrow?: (size: number) => Buffer): Buffer {
  if (image.decoded) return image.decoded;
  if (image.base64) return decodeBase64Text(image.base64, borrow?.(decodedLengthBound(image.base64)));
  throw new Error('finished image without content');
}

/** The base64 text of a finished image, as bytes (one buffer, or the upstream's chunks in order). */
export function finishedImageBase64(image: FinishedImage): Base64Text {
  return image.base64 ?? Buffer.from(finishedImageBytes(image).toString('base64'), 'latin1');
}
