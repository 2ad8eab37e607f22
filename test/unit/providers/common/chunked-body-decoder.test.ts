import { describe, expect, it } from 'vitest';
import { ChunkedBodyDecoder } from '../../../../src/providers/common/chunked-body-decoder.js';
import { MalformedResponseError } from '../../../../src/providers/common/http1-response-head.js';

function latin1(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

/** Chunk data that looks like framing (CRLFs, a last-chunk, a size line), which must be passed on as data. */
const TRICKY = latin1('0\r\n\r\nnot the end\r\n 1;x\r\nab');
/** Every byte value, and then some. */
const BINARY = Buffer.from(Array.from({ length: 300 }, (_, index) => (index * 37 + 11) % 256));
const PARTS = [latin1('Hello, '), latin1('chunked '), TRICKY, BINARY];
const BODY = Buffer.concat(PARTS);
/** The bytes after the body: the next response on the connection, never the body's. */
const AFTER = latin1('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
/** Upper- and lower-case sizes, extensions (one with a quoted `;`), and trailers. */
const ENCODED = Buffer.concat([
  latin1('7;name=value\r\n'),
  PARTS[0]!,
  latin1('\r\n8 ; quoted="a;b"\r\n'),
  PARTS[1]!,
  latin1('\r\n1A\r\n'),
  PARTS[2]!,
  latin1('\r\n12c\r\n'),
  PARTS[3]!,
  latin1('\r\n0;last\r\nx-checksum: abc\r\nx-other:  2\r\n\r\n'),
]);
const WIRE = Buffer.concat([ENCODED, AFTER]);

interface Decoded {
  data: Buffer;
  done: boolean;
  /** What the decoder did not use, to be given to whoever reads after the body. */
  left: Buffer;
}

/**
 * Feeds `pieces` in order the way the decode contract says: each call gets the bytes the last one
 * did not use, followed by the next piece. Checks that every data range lies within the bytes given.
 */
function decodeInPieces(pieces: readonly Buffer[], decoder = new ChunkedBodyDecoder()): Decoded {
  const data: Buffer[] = [];
  let left = Buffer.alloc(0);
  for (const piece of pieces) {
    const offered = Buffer.concat([left, piece]);
    const used = decoder.decode(offered, 0, offered.length, (from, to) => {
      expect(from).toBeGreaterThanOrEqual(0);
      expect(from).toBeLessThan(to);
      expect(to).toBeLessThanOrEqual(offered.length);
      data.push(Buffer.from(offered.subarray(from, to)));
    });
    expect(used).toBeGreaterThanOrEqual(0);
    expect(used).toBeLessThanOrEqual(offered.length);
    left = offered.subarray(used);
  }
  return { data: Buffer.concat(data), done: decoder.done, left };
}

function decodeAll(text: string | Buffer): Decoded {
  return decodeInPieces([typeof text === 'string' ? latin1(text) : text]);
}

/** The error decoding `pieces` throws; the test fails if it does not throw a `MalformedResponseError`. */
function malformed(...pieces: Array<string | Buffer>): MalformedResponseError {
  try {
    decodeInPieces(pieces.map((piece) => (typeof piece === 'string' ? latin1(piece) : piece)));
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedResponseError);
    return error as MalformedResponseError;
  }
  throw new Error('expected a MalformedResponseError');
}

describe('ChunkedBodyDecoder decodes a body', () => {
  it('given in one piece, stopping where it ends', () => {
    const decoded = decodeInPieces([WIRE]);
    expect(decoded.done).toBe(true);
    expect(decoded.data.equals(BODY)).toBe(true);
    expect(decoded.left.equals(AFTER)).toBe(true);
  });

  it('split in two at every byte boundary, re-offering what each call did not use', () => {
    for (let split = 0; split <= WIRE.length; split += 1) {
      const decoded = decodeInPieces([WIRE.subarray(0, split), WIRE.subarray(split)]);
      expect({ split, done: decoded.done, same: decoded.data.equals(BODY), left: decoded.left.toString('latin1') }).toEqual({
        split,
        done: true,
        same: true,
        left: AFTER.toString('latin1'),
      });
    }
  });

  it('split in two at every byte boundary, within one buffer read from the offset the first call returned', () => {
    // The way a connection uses it: the unused tail stays where it is, and the next call starts there.
    for (let split = 0; split <= WIRE.length; split += 1) {
      const decoder = new ChunkedBodyDecoder();
      const data: Buffer[] = [];
      const collect = (from: number, to: number) => data.push(Buffer.from(WIRE.subarray(from, to)));
      const used = decoder.decode(WIRE, 0, split, collect);
      expect(used).toBeLessThanOrEqual(split);
      expect(decoder.done).toBe(split >= ENCODED.length);
      const end = decoder.decode(WIRE, used, WIRE.length, collect);
      expect({ split, done: decoder.done, end, same: Buffer.concat(data).equals(BODY) }).toEqual({
        split,
        done: true,
        end: ENCODED.length,
        same: true,
      });
    }
  });

  it('given one byte at a time', () => {
    const decoded = decodeInPieces(Array.from(WIRE, (byte) => Buffer.of(byte)));
    expect(decoded.done).toBe(true);
    expect(decoded.data.equals(BODY)).toBe(true);
    expect(decoded.left.equals(AFTER)).toBe(true);
  });

  it('using none of an incomplete size line, which is given again with what follows', () => {
    const decoder = new ChunkedBodyDecoder();
    const seen: string[] = [];
    const first = latin1('1');
    expect(decoder.decode(first, 0, first.length, () => seen.push('data'))).toBe(0);
    const partial = latin1('1a\r');
    expect(decoder.decode(partial, 0, partial.length, () => seen.push('data'))).toBe(0);
    expect(seen).toEqual([]);
    expect(decodeInPieces([latin1(`1a\r\n${'z'.repeat(26)}\r\n0\r\n\r\n`)], decoder).data.toString()).toBe('z'.repeat(26));
  });

  it('reporting chunk data as ranges of the bytes given, not copies', () => {
    const wire = latin1('...5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n');
    const ranges: Array<[number, number]> = [];
    const end = new ChunkedBodyDecoder().decode(wire, 3, wire.length, (from, to) => ranges.push([from, to]));
    expect(ranges).toEqual([
      [6, 11],
      [16, 19],
    ]);
    expect(end).toBe(wire.length);
  });

  it('that is empty: just the last chunk', () => {
    const decoded = decodeAll('0\r\n\r\nrest');
    expect(decoded).toEqual({ data: Buffer.alloc(0), done: true, left: latin1('rest') });
  });
});

describe('ChunkedBodyDecoder reads the framing', () => {
  it('ignoring chunk extensions, with or without whitespace before them', () => {
    const decoded = decodeAll('5;a=b;c\r\nhello\r\n1 ;x="y;z"\r\n,\r\n6\t;q\r\n world\r\n0;end=1\r\n\r\n');
    expect(decoded.data.toString()).toBe('hello, world');
    expect(decoded.done).toBe(true);
  });

  it('sizes in upper, lower and mixed case hex, with leading zeros up to 13 digits', () => {
    const sized = (size: string, length: number) => decodeAll(`${size}\r\n${'x'.repeat(length)}\r\n0\r\n\r\n`);
    expect(sized('1A', 26).data.length).toBe(26);
    expect(sized('1a', 26).data.length).toBe(26);
    expect(sized('Ff', 255).data.length).toBe(255);
    expect(sized('fF', 255).data.length).toBe(255);
    expect(sized('0000000000005', 5).data.toString()).toBe('xxxxx');
    expect(sized('0000000000005', 5).done).toBe(true);
  });

  it('reading the trailers and dropping them: the body ends only at the blank line after them', () => {
    const decoder = new ChunkedBodyDecoder();
    const head = latin1('5\r\nhello\r\n0\r\nx-checksum: abc\r\nx-other: 2\r\n');
    const data: string[] = [];
    const used = decoder.decode(head, 0, head.length, (from, to) => data.push(head.toString('latin1', from, to)));
    expect(used).toBe(head.length);
    expect(decoder.done).toBe(false);
    const end = latin1('\r\nafter');
    expect(decoder.decode(end, 0, end.length, () => data.push('more'))).toBe(2);
    expect(decoder.done).toBe(true);
    expect(data).toEqual(['hello']);
  });

  it('using none of the bytes offered once done', () => {
    const decoder = new ChunkedBodyDecoder();
    decodeInPieces([latin1('0\r\n\r\n')], decoder);
    const more = latin1('5\r\nhello\r\n0\r\n\r\n');
    let called = false;
    expect(decoder.decode(more, 0, more.length, () => (called = true))).toBe(0);
    expect(called).toBe(false);
    expect(decoder.done).toBe(true);
  });
});

describe('ChunkedBodyDecoder refuses a broken body', () => {
  it.each([
    ['a size that is not hex', 'xyz'],
    ['an empty size line', ''],
    ['a size with a leading space', ' 5'],
    ['a negative size', '-1'],
    ['a signed size', '+5'],
    ['a 0x prefix', '0x5'],
    ['two sizes', '5 5'],
    ['a size of 14 hex digits', '00000000000005'],
    ['a NUL after the size', '5\0'],
    ['a bare CR in an extension', '5;a\rb'],
    ['a bare LF in an extension', '5;a\nb'],
  ])('with %s', (_what, sizeLine) => {
    expect(malformed(`${sizeLine}\r\nhello\r\n0\r\n\r\n`).message).toBe('malformed HTTP response: bad chunk size line');
  });

  it('whose chunk data is longer than its size (no CRLF right after the data)', () => {
    expect(malformed('3\r\nhello\r\n0\r\n\r\n').message).toBe('malformed HTTP response: chunk data longer than its size');
  });

  it('whose chunk data is longer than its size, when the extra bytes come in a later piece', () => {
    malformed('3\r\nhel', 'lo\r\n0\r\n\r\n');
  });

  it('with a size line over 8 KiB (extensions included), but not one of exactly 8 KiB', () => {
    const exactly = `5;${'e'.repeat(8 * 1024 - 2)}`;
    expect(decodeAll(`${exactly}\r\nhello\r\n0\r\n\r\n`).data.toString()).toBe('hello');
    expect(malformed(`${exactly}e\r\nhello\r\n0\r\n\r\n`).message).toBe('malformed HTTP response: a chunked body line is too long');
  });

  it('with a line over 8 KiB before its CRLF has arrived, while a shorter one is waited for', () => {
    const decoder = new ChunkedBodyDecoder();
    const waiting = latin1(`5;${'e'.repeat(8 * 1024 - 1)}`); // 8 KiB + 1: could still end with a CR
    expect(decoder.decode(waiting, 0, waiting.length, () => {})).toBe(0);
    expect(malformed(`5;${'e'.repeat(8 * 1024)}`).message).toBe('malformed HTTP response: a chunked body line is too long');
  });

  it('with a trailer line over 8 KiB', () => {
    malformed(`5\r\nhello\r\n0\r\nx-long: ${'t'.repeat(9000)}\r\n\r\n`);
  });
});
