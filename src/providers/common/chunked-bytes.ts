/**
 * Where each chunk of a body first holds a byte, noted as the chunk arrived: byte → one position per
 * chunk, in the chunks' order (-1 where the chunk has none).
 */
export type FirstPositions = ReadonlyMap<number, readonly number[]>;

/**
 * Read-only byte access over a body kept as the chunks it arrived in, addressed as one sequence:
 * what a scanner needs (find a byte, read a byte, compare, slice) without joining the chunks.
 *
 * A search for a byte whose first positions were noted on arrival (`ChunkCollector`'s `noteBytes`)
 * skips every chunk without it and reads none of its bytes again. The note is taken while the
 * chunk is still in the CPU's cache, right after the socket read; a search over the whole body
 * afterwards reads megabytes back from memory. For a 1.9 MB answer, finding its base64 took
 * 0.21-0.30 ms that way and takes 0.04-0.05 ms now, plus 0.06-0.08 ms of notes on arrival
 * (docs/performance.md, "Hot path: 2026-12-06, second pass").
 */
export class ChunkedBytes {
  readonly length: number;
  private readonly starts: number[] = [];
  private readonly chunks: Buffer[] = [];
  private readonly noted = new Map<number, number[]>();

  constructor(chunks: readonly Buffer[], firstPositions: FirstPositions = new Map()) {
    // Empty chunks hold nothing to find: dropped, with their notes.
    const kept = chunks.flatMap((chunk, index) => (chunk.length > 0 ? [index] : []));
    let offset = 0;
    for (const index of kept) {
      this.chunks.push(chunks[index]!);
      this.starts.push(offset);
      offset += chunks[index]!.length;
    }
    this.length = offset;
    for (const [byte, positions] of firstPositions) {
      if (positions.length !== chunks.length)
        throw new Error(`first positions of byte ${byte}: ${positions.length} for ${chunks.length} chunks`);
      const keptPositions = kept.map((index) => positions[index]!);
      this.noted.set(byte, keptPositions);
    }
  }

  /** The byte at `position` (0 ≤ position < length), or `undefined` past the end. */
  at(position: number): number | undefined {
    if (position < 0 || position >= this.length) return undefined;
    const index = this.chunkIndex(position);
    return this.chunks[index]![position - this.starts[index]!];
  }

  /** The first position ≥ `from` holding `byte`, or -1. */
  indexOf(byte: number, from: number): number {
    if (from >= this.length || this.chunks.length === 0) return -1;
    const noted = this.noted.get(byte);
    for (let index = this.chunkIndex(Math.max(0, from)); index < this.chunks.length; index += 1) {
      const start = this.starts[index]!;
      const local = Math.max(0, from - start);
      const first = noted?.[index];
      if (first !== undefined) {
        if (first === -1) continue;
        if (first >= local) return start + first;
      }
      // Not noted, or only before `from`: this chunk is searched.
      const found = this.chunks[index]!.indexOf(byte, local);
      if (found !== -1) return start + found;
    }
    return -1;
  }

  /** The whole body as one buffer (the chunk itself when there is only one). */
  join(): Buffer {
    if (this.chunks.length === 1) return this.chunks[0]!;
    // Reads into one buffer (a body with a content-length) are adjacent views of it: one view of them all, nothing copied.
    const first = this.chunks[0];
    const adjacent =
      first !== undefined &&
      this.chunks.every((chunk, index) => chunk.buffer === first.buffer && chunk.byteOffset === first.byteOffset + this.starts[index]!);
    return adjacent ? Buffer.from(first.buffer, first.byteOffset, this.length) : Buffer.concat(this.chunks, this.length);
  }

  /** Whether the bytes from `position` on are exactly `bytes`. */
  startsWith(bytes: Buffer, position: number): boolean {
    if (position + bytes.length > this.length) return false;
    for (let offset = 0; offset < bytes.length; offset += 1) {
      if (this.at(position + offset) !== bytes[offset]) return false;
    }
    return true;
  }

  /** Views (not copies) of `[start, end)`, in order; empty for an empty range. */
  slices(start: number, end: number): Buffer[] {
    const views: Buffer[] = [];
    if (end <= start || this.chunks.length === 0) return views;
    for (let index = this.chunkIndex(start); index < this.chunks.length; index += 1) {
      const chunkStart = this.starts[index]!;
      if (chunkStart >= end) break;
      const chunk = this.chunks[index]!;
      const from = Math.max(0, start - chunkStart);
      const to = Math.min(chunk.length, end - chunkStart);
      if (to > from) views.push(chunk.subarray(from, to));
    }
    return views;
  }

  /** The chunk holding `position` (binary search over the chunks' start offsets). */
  private chunkIndex(position: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.starts[middle]! <= position) low = middle;
      else high = middle - 1;
    }
    return low;
  }
}
