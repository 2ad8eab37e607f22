import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../src/errors/upstream-error.js';
import { finishedImageBase64, finishedImageBytes } from '../../../src/domain/finished-image.js';
import { finishImages } from '../../../src/generation/finish-images.js';
import type { ProviderImage } from '../../../src/providers/provider.js';

const noDownloads = { downloadResult: async (): Promise<Buffer> => Promise.reject(new Error('no downloads here')) };
const png = await sharp({ create: { width: 96, height: 48, channels: 3, background: '#3a7' } })
  .png()
  .toBuffer();
const asBase64 = (bytes: Buffer) => Buffer.from(bytes.toString('base64'), 'latin1');
const finish = (image: ProviderImage, outputFormat: 'png' | 'webp' | 'jpeg' | 'svg') =>
  finishImages(noDownloads, { images: [{ image, provider: 'p' }], outputFormat, signal: new AbortController().signal });

describe('finishImages', () => {
  it('passes base64 in the requested format through untouched (the same buffer)', async () => {
    const base64 = asBase64(png);
    const [image] = await finish({ base64 }, 'png');
    expect(image).toMatchObject({ format: 'png', width: 96, height: 48, decoded: undefined });
    expect(finishedImageBase64(image!)).toBe(base64);
  });

  it('decodes base64 when bytes are needed, and converts when the format differs', async () => {
    const [stored] = await finish({ base64: asBase64(png) }, 'png');
    expect(finishedImageBytes(stored!).equals(png)).toBe(true);
    const [converted] = await finish({ base64: asBase64(png) }, 'webp');
    expect(converted).toMatchObject({ format: 'webp', width: 96, height: 48 });
    expect((await sharp(finishedImageBytes(converted!)).metadata()).format).toBe('webp');
  });

  it('keeps bytes already in the right format as they are', async () => {
    const [image] = await finish({ bytes: png, format: 'png' }, 'png');
    expect(finishedImageBytes(image!)).toBe(png);
  });

  it('decodes base64 exactly across chunk boundaries', () => {
    for (const size of [1, 2, 3, 49_151, 49_152, 49_153, 1_410_000]) {
      const raw = randomBytes(size);
      expect(finishedImageBytes({ format: 'png', width: 1, height: 1, base64: asBase64(raw), decoded: undefined }).equals(raw)).toBe(true);
    }
  });

  it('rejects what is not an image as the provider’s fault', async () => {
    const error = await finish({ base64: asBase64(Buffer.from('<html>oops</html>')) }, 'png').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ kind: 'upstream_error', provider: 'p' });
  });

  it('keeps an SVG answer byte for byte for a vector model, with the size its root declares', async () => {
    const svg = Buffer.from(
      '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1024 1365"><path d="M0 0H9"/></svg>',
    );
    const [fromBase64] = await finish({ base64: asBase64(svg) }, 'svg');
    expect(fromBase64).toMatchObject({ format: 'svg', width: 1024, height: 1365 });
    expect(finishedImageBytes(fromBase64!).equals(svg)).toBe(true);
    const [unsized] = await finish({ bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), format: 'png' }, 'svg');
    expect(unsized).toMatchObject({ format: 'svg', width: 0, height: 0 });
  });

  it('refuses a raster image where SVG was promised, and SVG where a raster image was', async () => {
    const raster = await finish({ base64: asBase64(png) }, 'svg').catch((caught: unknown) => caught);
    expect(raster).toMatchObject({ kind: 'upstream_error', provider: 'p' });
    expect((raster as Error).message).toContain('SVG');
    const svg = await finish({ base64: asBase64(Buffer.from('<svg></svg>')) }, 'png').catch((caught: unknown) => caught);
    expect(svg).toBeInstanceOf(UpstreamError);
  });
});
