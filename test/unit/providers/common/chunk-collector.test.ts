import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ChunkCollector } from '../../../../src/providers/common/chunk-collector.js';

describe('ChunkCollector', () => {
  it('holds socket-sized chunks as they are, without copying', () => {
    const collector = new ChunkCollector();
    const chunks = Array.from({ length: 28 }, () => randomBytes(65_536));
    for (const chunk of chunks) collector.push(chunk);
    expect(collector.chunks).toHaveLength(28);
    expect(collector.chunks.every((chunk, index) => chunk === chunks[index])).toBe(true);
    expect(collector.size).toBe(28 * 65_536);
  });

  it('joins runs of tiny chunks, so a trickled body stays a bounded number of buffers with its bytes in order', () => {
    const body = randomBytes(10_007);
    const collector = new ChunkCollector({ joinEvery: 100 });
    for (let start = 0; start < body.length; start += 1) collector.push(body.subarray(start, start + 1));
    // 100 runs of 100 joined, and the 7 bytes since the last run still loose.
    expect(collector.chunks).toHaveLength(107);
    expect(collector.chunks.slice(0, 100).every((chunk) => chunk.length === 100)).toBe(true);
    expect(Buffer.concat(collector.chunks).equals(body)).toBe(true);
    expect(collector.size).toBe(body.length);
  });

  it('notes where each chunk first holds the asked bytes, for joined runs as well', () => {
    const collector = new ChunkCollector({ joinEvery: 3, noteBytes: [0x22, 0x5c] });
    for (const text of ['ab"c', 'de', '\\"', 'xyz', '', 'q"', '\\', 'r']) collector.push(Buffer.from(text, 'latin1'));
    // Two runs of three joined, the empty chunk dropped, the last one still loose.
    expect(collector.chunks.map((chunk) => chunk.toString('latin1'))).toEqual(['ab"cde\\"', 'xyzq"\\', 'r']);
    const bytes = collector.bytes();
    const all = Buffer.concat(collector.chunks);
    for (const byte of [0x22, 0x5c, 0x71]) {
      for (let from = 0; from <= all.length; from += 1)
        expect(bytes.indexOf(byte, from), `${byte} from ${from}`).toBe(all.indexOf(byte, from));
    }
  });

  it('reads into a given buffer: every chunk copied in, the chunks kept as views of it', () => {
    const body = randomBytes(200_000);
    const target = Buffer.alloc(262_144);
    const collector = new ChunkCollector({ noteBytes: [0x22] });
    collector.readInto(target);
    // Copies, as a socket's chunks are buffers of their own.
    const sent = [body.subarray(0, 65_536), body.subarray(65_536, 131_072), body.subarray(131_072)].map((chunk) => Buffer.from(chunk));
    for (const chunk of sent) collector.push(chunk);
    expect(collector.size).toBe(body.length);
    expect(collector.chunks.every((chunk) => chunk.buffer === target.buffer)).toBe(true);
    expect(target.subarray(0, body.length).equals(body)).toBe(true);
    // The socket's chunks may be overwritten once pushed: nothing kept reads them.
    for (const chunk of sent) chunk.fill(0);
    expect(Buffer.concat(collector.chunks).equals(body)).toBe(true);
    for (let from = 0; from < body.length; from += 9_973) expect(collector.bytes().indexOf(0x22, from)).toBe(body.indexOf(0x22, from));
  });

  it('joins runs of tiny chunks read into a buffer as views of it, copying nothing again', () => {
    const body = randomBytes(1_003);
    const target = Buffer.alloc(body.length);
    const collector = new ChunkCollector({ joinEvery: 100, noteBytes: [body[500]!] });
    collector.readInto(target);
    for (let start = 0; start < body.length; start += 1) collector.push(body.subarray(start, start + 1));
    expect(collector.chunks).toHaveLength(13);
    expect(collector.chunks.every((chunk) => chunk.buffer === target.buffer)).toBe(true);
    expect(Buffer.concat(collector.chunks).equals(body)).toBe(true);
    expect(collector.bytes().indexOf(body[500]!, 0)).toBe(body.indexOf(body[500]!));
  });

  it('refuses more bytes than the buffer holds, and a buffer given after the first chunk', () => {
    const collector = new ChunkCollector();
    collector.readInto(Buffer.alloc(10));
    collector.push(Buffer.alloc(8));
    expect(() => collector.push(Buffer.alloc(3))).toThrow(RangeError);
    expect(() => collector.readInto(Buffer.alloc(100))).toThrow('ChunkCollector.readInto: chunks were already collected');
  });
});
