import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readImageHeader } from '../../../src/images/read-image-header.js';

const base = (width: number, height: number, alpha = false) =>
  sharp({ create: { width, height, channels: alpha ? 4 : 3, background: { r: 10, g: 200, b: 90, alpha: 0.5 } } });

describe('readImageHeader', () => {
  it.each([
    ['png', () => base(321, 123).png().toBuffer()],
    ['gif', () => base(321, 123).gif().toBuffer()],
    ['jpeg', () => base(321, 123).jpeg().toBuffer()],
    ['jpeg', () => base(321, 123).jpeg({ progressive: true }).toBuffer()],
    ['webp', () => base(321, 123).webp({ lossless: false }).toBuffer()],
    ['webp', () => base(321, 123).webp({ lossless: true }).toBuffer()],
    ['webp', () => base(321, 123, true).webp({ quality: 80, alphaQuality: 50 }).toBuffer()],
  ] as const)('reads %s sizes as sharp does', async (format, make) => {
    const bytes = await make();
    const metadata = await sharp(bytes).metadata();
    expect(readImageHeader(bytes)).toEqual({ format, width: metadata.width, height: metadata.height });
  });

  it('swaps the size of a JPEG whose EXIF orientation rotates it', async () => {
    const bytes = await base(300, 100).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect(readImageHeader(bytes)).toEqual({ format: 'jpeg', width: 100, height: 300 });
  });

  it('gives up on what it cannot read', async () => {
    expect(readImageHeader(Buffer.from('not an image at all, just text'))).toBeUndefined();
    expect(readImageHeader(await base(10, 10).avif().toBuffer())).toBeUndefined();
    expect(readImageHeader(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00]))).toBeUndefined();
  });
});
