import { describe, expect, it } from 'vitest';
import { ChunkedBytes } from '../../../../src/providers/common/chunked-bytes.js';

const QUOTE = 0x22;

describe('ChunkedBytes', () => {
  it('finds a byte from any position as one buffer would, with and without first positions noted', () => {
    const chunks = ['{"a":"', '', 'xxxx', 'yy"z', '"', 'w'].map((text) => Buffer.from(text, 'latin1'));
    const whole = Buffer.concat(chunks);
    const noted = new ChunkedBytes(chunks, new Map([[QUOTE, chunks.map((chunk) => chunk.indexOf(QUOTE))]]));
    const plain = new ChunkedBytes(chunks);
    expect(noted.length).toBe(whole.length);
    for (let from = 0; from <= whole.length + 1; from += 1) {
      expect(noted.indexOf(QUOTE, from), `from ${from}`).toBe(whole.indexOf(QUOTE, from));
      expect(plain.indexOf(QUOTE, from), `from ${from}`).toBe(whole.indexOf(QUOTE, from));
    }
    expect(noted.join().equals(whole)).toBe(true);
  });

  it('trusts the notes: a chunk noted without the byte is never searched', () => {
    const chunks = ['ab', 'c"d', 'e"f'].map((text) => Buffer.from(text, 'latin1'));
    // The middle chunk has a quote, but its note says none: the search goes on to the next chunk.
    const bytes = new ChunkedBytes(chunks, new Map([[QUOTE, [-1, -1, 1]]]));
    expect(bytes.indexOf(QUOTE, 0)).toBe(6);
  });

  it('refuses notes that do not match the chunks', () => {
    expect(() => new ChunkedBytes([Buffer.from('a"')], new Map([[QUOTE, [1, -1]]]))).toThrow(/2 for 1 chunks/);
  });

  it('joins adjacent views of one buffer as one view of it, and copies chunks that are not', () => {
    // Not from Buffer's shared pool, whose slab the copy below could come from too.
    const whole = Buffer.alloc(1000);
    for (let index = 0; index < whole.length; index += 1) whole[index] = index % 251;
    const views = new ChunkedBytes([whole.subarray(0, 10), whole.subarray(10, 700), whole.subarray(700)]);
    const joined = views.join();
    expect(joined.equals(whole)).toBe(true);
    expect(joined.buffer).toBe(whole.buffer);
    expect(joined.byteOffset).toBe(whole.byteOffset);
    // Views of one buffer with a gap between them are not one run of it.
    const gapped = new ChunkedBytes([whole.subarray(0, 10), whole.subarray(20, 30)]);
    const copied = gapped.join();
    expect(copied.equals(Buffer.concat([whole.subarray(0, 10), whole.subarray(20, 30)]))).toBe(true);
    expect(copied.buffer).not.toBe(whole.buffer);
  });
});
