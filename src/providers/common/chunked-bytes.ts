/**
 * Read-only byte access over a body kept as the chunks it arrived in, addressed as one sequence:
 * what a scanner needs (find a byte, read a byte, compare, slice) without joining the chunks.
 */
export class ChunkedBytes {
  readonly length: number;
  private readonly starts: number[];

  private readonly chunks: readonly Buffer[];

  constructor(chunks: readonly Buffer[]) {
    this.chunks = chunks.filter((chunk) => chunk.length > 0);
    this.starts = [];
    let offset = 0;
    for (const chunk of this.chunks) {
      this.starts.push(offset);
      offset += chunk.length;
    }
    this.length = offset;
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
    for (let index = this.chunkIndex(Math.max(0, from)); index < this.chunks.length; index += 1) {
      const start = this.starts[index]!;
      const found = this.chunks[index]!.indexOf(byte, Math.max(0, from - start));
      if (found !== -1) return start + found;
    }
    return -1;
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
