import { MalformedResponseError } from './http1-response-head.js';

/** Longest chunk-size line (with extensions) or trailer line accepted. */
const MAX_LINE_BYTES = 8 * 1024;
/** 13 hex digits stay below 2^53: a size that would lose precision is refused instead. */
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,13})[\t ]*(?:;.*)?$/;

type State = 'size' | 'data' | 'data-end' | 'trailers' | 'done';

/**
 * Decodes a `Transfer-Encoding: chunked` body (RFC 9112 §7.1) as its bytes arrive, in whatever
 * pieces: each call takes what it can and says how far it got, so an incomplete size line is
 * offered again with the bytes that follow it. Chunk data is reported as offsets into the bytes
 * given, never copied here. Extensions are ignored, trailers read and dropped.
 */
export class ChunkedBodyDecoder {
  private state: State = 'size';
  private remaining = 0;

  /** True once the last chunk and the trailer section have been read. */
  get done(): boolean {
    return this.state === 'done';
  }

  /**
   * Reads `bytes[start, end)`, calling `onData(from, to)` for each run of chunk data in it, and
   * returns the offset up to which the bytes were used: the rest (part of a line) must be given
   * again, followed by more. Stops at the end of the body; bytes after it are not used.
   */
  decode(bytes: Buffer, start: number, end: number, onData: (from: number, to: number) => void): number {
    let at = start;
    while (at < end && this.state !== 'done') {
      if (this.state === 'data') {
        const take = Math.min(this.remaining, end - at);
        onData(at, at + take);
        at += take;
        this.remaining -= take;
        if (this.remaining === 0) this.state = 'data-end';
        continue;
      }
      const lineEnd = bytes.subarray(at, Math.min(end, at + MAX_LINE_BYTES + 2)).indexOf('\r\n', 0, 'latin1');
      if (lineEnd < 0) {
        if (end - at > MAX_LINE_BYTES + 1) throw new MalformedResponseError('a chunked body line is too long');
        return at;
      }
      const line = bytes.toString('latin1', at, at + lineEnd);
      at += lineEnd + 2;
      if (this.state === 'data-end') {
        if (line !== '') throw new MalformedResponseError('chunk data longer than its size');
        this.state = 'size';
      } else if (this.state === 'size') {
        const size = CHUNK_SIZE.exec(line);
        if (size === null) throw new MalformedResponseError('bad chunk size line');
        this.remaining = Number.parseInt(size[1]!, 16);
        this.state = this.remaining === 0 ? 'trailers' : 'data';
      } else if (line === '') {
        this.state = 'done';
      }
    }
    return at;
  }
}
