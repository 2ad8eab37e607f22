import type { ImageFormat } from '../domain/image-format.js';

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

/**
 * Format and displayed size from the first bytes of a PNG, GIF, WebP or JPEG, without decoding
 * anything (sharp's metadata costs a native round trip per image on the hot path). `undefined`
 * for other formats, or when the header is not where it should be: the caller then asks sharp.
 */
export function readImageHeader(bytes: Buffer): ImageHeader | undefined {
  if (bytes.length >= 24 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.toString('latin1', 12, 16) === 'IHDR') {
    return { format: 'png', width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  if (bytes.length >= 10 && bytes.toString('latin1', 0, 3) === 'GIF') {
    return { format: 'gif', width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) };
  }
  if (bytes.length >= 30 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP')
    return webpHeader(bytes);
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) return jpegHeader(bytes);
  return undefined;
}

function webpHeader(bytes: Buffer): ImageHeader | undefined {
  const chunk = bytes.toString('latin1', 12, 16);
  if (chunk === 'VP8X') return { format: 'webp', width: 1 + bytes.readUIntLE(24, 3), height: 1 + bytes.readUIntLE(27, 3) };
  if (chunk === 'VP8L' && bytes[20] === 0x2f) {
    const bits = bytes.readUInt32LE(21);
    return { format: 'webp', width: 1 + (bits & 0x3fff), height: 1 + ((bits >> 14) & 0x3fff) };
  }
  if (chunk === 'VP8 ' && bytes.readUIntBE(23, 3) === 0x9d012a) {
    return { format: 'webp', width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff };
  }
  return undefined;
}

/** Start-of-frame markers (baseline, progressive, ...), which carry the size. */
const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function jpegHeader(bytes: Buffer): ImageHeader | undefined {
  let offset = 2;
  let orientationSwaps = false;
  while (offset + 9 < bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset += 1;
      continue;
    }
    const length = bytes.readUInt16BE(offset + 2);
    if (marker === 0xe1 && bytes.toString('latin1', offset + 4, offset + 8) === 'Exif') {
      const orientation = exifOrientation(bytes, offset + 10, offset + 2 + length);
      // Not sure what the orientation is: let sharp read it.
      if (orientation === undefined) return undefined;
      orientationSwaps = orientation >= 5;
    }
    if (SOF_MARKERS.has(marker)) {
      const height = bytes.readUInt16BE(offset + 5);
      const width = bytes.readUInt16BE(offset + 7);
      return orientationSwaps ? { format: 'jpeg', width: height, height: width } : { format: 'jpeg', width, height };
    }
    offset += 2 + length;
  }
  return undefined;
}

/** The EXIF orientation tag (1 when absent), or `undefined` when the TIFF block is unreadable. */
function exifOrientation(bytes: Buffer, tiff: number, end: number): number | undefined {
  if (tiff + 8 > end || end > bytes.length) return undefined;
  const little = bytes.toString('latin1', tiff, tiff + 2) === 'II';
  const read16 = (at: number) => (little ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at));
  const read32 = (at: number) => (little ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at));
  const ifd = tiff + read32(tiff + 4);
  if (ifd + 2 > end) return undefined;
  const entries = read16(ifd);
  for (let index = 0; index < entries; index += 1) {
    const entry = ifd + 2 + index * 12;
    if (entry + 12 > end) return undefined;
    if (read16(entry) === 0x0112) return read16(entry + 8);
  }
  return 1;
}
