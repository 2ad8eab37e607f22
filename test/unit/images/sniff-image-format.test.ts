import { describe, expect, it } from 'vitest';
import type { ImageFormat } from '../../../src/domain/image-format.js';
import { sniffImageFormat } from '../../../src/images/sniff-image-format.js';
import { solidImage } from '../../fixtures/images/make-test-images.js';

describe('sniffImageFormat', () => {
  it.each<ImageFormat>(['png', 'jpeg', 'webp', 'gif', 'avif', 'tiff'])('recognises %s bytes encoded by sharp', async (format) => {
    const bytes = await solidImage(format, 8, 8, { r: 200, g: 10, b: 10 });
    expect(sniffImageFormat(bytes)).toBe(format);
  });

  it('recognises big-endian TIFF', () => {
    expect(sniffImageFormat(Buffer.from([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8]))).toBe('tiff');
  });

  it('recognises AVIF whose major brand is mif1 but which lists avif as compatible', () => {
    const ftyp = Buffer.concat([Buffer.from([0, 0, 0, 0x1c]), Buffer.from('ftypmif1\0\0\0\0mif1miafavif', 'latin1')]);
    expect(sniffImageFormat(ftyp)).toBe('avif');
  });

  it('does not take other ISO-BMFF files (HEIC, MP4) for AVIF', () => {
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1')]);
    const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom\0\0\0\0isommp41', 'latin1')]);
    expect(sniffImageFormat(heic)).toBeUndefined();
    expect(sniffImageFormat(mp4)).toBeUndefined();
  });

  it.each([
    ['text', Buffer.from('hello, this is not an image')],
    ['an empty buffer', Buffer.alloc(0)],
    ['a RIFF WAVE file', Buffer.from('RIFF\x24\0\0\0WAVEfmt ', 'latin1')],
    ['a cut-off PNG signature', Buffer.from([0x89, 0x50, 0x4e])],
    ['SVG markup', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')],
  ])('returns undefined for %s', (_name, bytes) => {
    expect(sniffImageFormat(bytes)).toBeUndefined();
  });
});
