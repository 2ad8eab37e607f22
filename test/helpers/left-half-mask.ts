import sharp from 'sharp';

/**
 * An OpenAI-convention mask as a client uploads it: a PNG whose left half is transparent (edit)
 * and right half opaque (keep), so a test can check which side each provider's mask marks.
 */
export async function leftHalfMask(width: number, height: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) pixels[(y * width + x) * 4 + 3] = x < width / 2 ? 0 : 255;
  }
  return sharp(pixels, { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer();
}
