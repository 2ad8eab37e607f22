import type { ImageFormat } from '../domain/image-format.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG_SIGNATURE = Buffer.from([0xff, 0xd8, 0xff]);
const TIFF_LITTLE_ENDIAN = Buffer.from([0x49, 0x49, 0x2a, 0x00]);
const TIFF_BIG_ENDIAN = Buffer.from([0x4d, 0x4d, 0x00, 0x2a]);
/** ISO-BMFF brands that mark an AVIF still image (`avif`) or image sequence (`avis`). */
const AVIF_BRANDS = new Set(['avif', 'avis']);
/** Large enough for any real `ftyp` box; bounds the brand scan on hostile input. */
const MAX_FTYP_BOX_BYTES = 256;

/**
 * The image format of `bytes`, judged by magic bytes only: a declared content type or file name
 * is never trusted. `undefined` when the bytes are not an image format the gateway reads.
 */
export function sniffImageFormat(bytes: Buffer): ImageFormat | undefined {
  if (startsWith(bytes, PNG_SIGNATURE)) return 'png';
  if (startsWith(bytes, JPEG_SIGNATURE)) return 'jpeg';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'webp';
  const gifHeader = ascii(bytes, 0, 6);
  if (gifHeader === 'GIF87a' || gifHeader === 'GIF89a') return 'gif';
  if (isAvif(bytes)) return 'avif';
  if (startsWith(bytes, TIFF_LITTLE_ENDIAN) || startsWith(bytes, TIFF_BIG_ENDIAN)) return 'tiff';
  return undefined;
}

/**
 * AVIF files open with an `ftyp` box. Most name `avif` as the major brand, but some encoders write
 * `mif1` there and list `avif` among the compatible brands, so both places are checked.
 */
function isAvif(bytes: Buffer): boolean {
  if (bytes.length < 16 || ascii(bytes, 4, 8) !== 'ftyp') return false;
  if (AVIF_BRANDS.has(ascii(bytes, 8, 12))) return true;
  const boxEnd = Math.min(bytes.readUInt32BE(0), bytes.length, MAX_FTYP_BOX_BYTES);
  // Layout: size(4) 'ftyp'(4) major brand(4) minor version(4), then 4-byte compatible brands.
  for (let offset = 16; offset + 4 <= boxEnd; offset += 4) {
    if (AVIF_BRANDS.has(ascii(bytes, offset, offset + 4))) return true;
  }
  return false;
}

function startsWith(bytes: Buffer, signature: Buffer): boolean {
  return bytes.length >= signature.length && bytes.subarray(0, signature.length).equals(signature);
}

function ascii(bytes: Buffer, start: number, end: number): string {
  return bytes.length >= end ? bytes.toString('latin1', start, end) : '';
}
