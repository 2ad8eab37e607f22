import { ChunkedBytes } from './chunked-bytes.js';

export interface ChunkCollectorOptions {
  /** Loose chunks past which they are joined into one (see the class). */
  joinEvery?: number;
  /**
   * Bytes whose first position in each chunk is noted as it arrives, while the chunk is still in
   * the CPU's cache: `bytes()` then finds them without reading the body again (`ChunkedBytes`).
   */
  noteBytes?: readonly number[];
}

/**
 * Collects a body's chunks as they arrive, without joining them. A body that trickles in tiny
 * pieces (a slow or misbehaving upstream) would otherwise be held as a million Buffer objects; each
 * run of `joinEvery` chunks is joined into one, so at most `joinEvery` loose chunks are held beside
 * the joined runs and every byte is copied at most once. Bodies in socket-sized chunks (64 KiB)
 * reach a run only past ~64 MiB.
 */
export class ChunkCollector {
  readonly chunks: Buffer[] = [];
  size = 0;
  private joined = 0;
  private readonly joinEvery: number;
  private readonly firstPositions = new Map<number, number[]>();

  constructor(options: ChunkCollectorOptions = {}) {
    this.joinEvery = options.joinEvery ?? 1024;
    for (const byte of options.noteBytes ?? []) this.firstPositions.set(byte, []);
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
    for (const [byte, positions] of this.firstPositions) positions.push(chunk.indexOf(byte));
    if (this.chunks.length - this.joined >= this.joinEvery) this.joinRun();
  }

  /** The body for scanning, with the positions noted on arrival. */
  bytes(): ChunkedBytes {
    return new ChunkedBytes(this.chunks, this.firstPositions);
  }

  private joinRun(): void {
    const run = this.chunks.splice(this.joined);
    for (const positions of this.firstPositions.values()) {
      const runPositions = positions.splice(this.joined);
      let first = -1;
      let offset = 0;
      for (const [index, chunk] of run.entries()) {
        if (runPositions[index] !== -1) {
          first = offset + runPositions[index]!;
          break;
        }
        offset += chunk.length;
      }
      positions.push(first);
    }
    this.chunks.push(Buffer.concat(run));
    this.joined = this.chunks.length;
  }
}
