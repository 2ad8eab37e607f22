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
});
