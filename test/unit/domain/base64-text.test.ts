import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base64Length, base64Parts, base64Prefix, decodeBase64Text, decodedLengthBound } from '../../../src/domain/base64-text.js';

/** The text cut at the given offsets. */
function cutAt(text: Buffer, cuts: number[]): Buffer[] {
  const bounds = [0, ...cuts, text.length];
  return bounds.slice(1).map((end, index) => text.subarray(bounds[index], end));
}

describe('base64 text kept as parts', () => {
  const bytes = randomBytes(200_003);
  const text = Buffer.from(bytes.toString('base64'), 'latin1');

  it('decodes to the same bytes wherever the parts split, including mid-quad and 1-byte parts', () => {
    // `equals`, not `toEqual`: a failing diff of 200 KB buffers would take minutes to print.
    expect(decodeBase64Text(text).equals(bytes)).toBe(true);
    for (const cuts of [[1], [2, 3], [4], [65_535, 65_537], [70_001, 70_002, 70_003], [131_071, 190_000, 266_667]]) {
      expect(decodeBase64Text(cutAt(text, cuts)).equals(bytes), `cuts ${cuts.join(',')}`).toBe(true);
    }
  });

  it('gives the prefix, length and parts of either form', () => {
    const parts = cutAt(text, [3, 10, 1000]);
    expect(base64Prefix(parts, 64)).toBe(text.toString('latin1', 0, 64));
    expect(base64Prefix(parts, 5)).toBe(text.toString('latin1', 0, 5));
    expect(base64Prefix(text, 64)).toBe(text.toString('latin1', 0, 64));
    expect(base64Length(parts)).toBe(text.length);
    expect(base64Parts(text)).toEqual([text]);
    expect(base64Parts(parts)).toBe(parts);
  });

  it('decodes into a given buffer, over whatever it held, and refuses one that is too short', () => {
    const target = Buffer.alloc(decodedLengthBound(text) + 100, 0xee);
    const decoded = decodeBase64Text(cutAt(text, [5, 70_001]), target);
    expect(decoded.buffer).toBe(target.buffer);
    expect(decoded.byteOffset).toBe(target.byteOffset);
    expect(decoded.equals(bytes)).toBe(true);
    // Padding makes the bound an over-estimate by up to 2 bytes; the result is exactly the image.
    expect(decodedLengthBound(text) - decoded.length).toBeLessThanOrEqual(2);
    expect(() => decodeBase64Text(text, Buffer.alloc(decodedLengthBound(text) - 1))).toThrow(RangeError);
  });
});
