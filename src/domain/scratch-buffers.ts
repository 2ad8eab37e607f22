/**
 * Buffers lent for bytes that live only as long as one call or request, then reused. Storing an
 * image decodes ~1.4 MB of base64 per request into memory outside V8's heap, and an upstream's
 * answer is ~1.9 MB; allocated afresh each time, that memory outlives young-generation collections
 * while the file is written or the client reads the answer, and V8 answers the growth with full
 * mark-compacts (docs/performance.md, "The url path" and "fifth boot"). Lent buffers are allocated
 * once and never become garbage.
 *
 * A lent buffer must be given back only when nothing reads it any more: the next borrower
 * overwrites it. One that is never given back (a failed write) is simply left to the collector.
 */
export interface ScratchBuffers {
  /** A buffer of at least `size` bytes; its contents are whatever the last borrower left. */
  borrow(size: number): Buffer;
  /** Takes back a buffer `borrow` lent, to lend again. */
  giveBack(buffer: Buffer): void;
}

export interface ScratchBufferLimits {
  /** Most buffers kept between borrows (about the concurrent requests that store images). */
  maxKept: number;
  /** Most bytes kept between borrows, over all buffers. */
  maxKeptBytes: number;
  /** Bigger requests get a buffer of their own that is not kept. */
  maxBufferBytes: number;
}

/** Sizes round up to this, so images of slightly different sizes share buffers. */
const SIZE_STEP = 256 * 1024;

export function createScratchBuffers(limits: ScratchBufferLimits): ScratchBuffers {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  const lent = new WeakSet<Buffer>();
  return {
    borrow(size) {
      // The smallest kept buffer that fits, so a large one stays free for a large image.
      let best = -1;
      for (let index = 0; index < kept.length; index += 1) {
        const candidate = kept[index]!;
        if (candidate.length >= size && (best < 0 || candidate.length < kept[best]!.length)) best = index;
      }
      const buffer =
        best >= 0 ? kept.splice(best, 1)[0]! : Buffer.allocUnsafeSlow(Math.max(SIZE_STEP, Math.ceil(size / SIZE_STEP) * SIZE_STEP));
      if (best >= 0) keptBytes -= buffer.length;
      lent.add(buffer);
      return buffer;
    },
    giveBack(buffer) {
      // Only what was lent and not yet given back: a buffer listed twice would be lent to two callers at once.
      if (!lent.delete(buffer)) throw new Error('giveBack: this buffer is not on loan');
      if (buffer.length > limits.maxBufferBytes) return;
      kept.push(buffer);
      keptBytes += buffer.length;
      // Over a limit: the smallest go first, as the larger fit more requests.
      while (kept.length > limits.maxKept || keptBytes > limits.maxKeptBytes) {
        const smallest = kept.reduce((at, candidate, index) => (candidate.length < kept[at]!.length ? index : at), 0);
        keptBytes -= kept.splice(smallest, 1)[0]!.length;
      }
    },
  };
}

/**
 * Lends a buffer of at least `size` bytes for one request's data, or `undefined` when the caller
 * is better off without one (it then keeps what it has).
 */
export type LendBuffer = (size: number) => Buffer | undefined;

/** Buffers lent for one request, all given back at once when the request is over. */
export interface ScratchLease {
  /** A buffer of at least `size` bytes, kept lent until `release`. */
  borrow(size: number): Buffer;
  /** Gives back every buffer lent so far; nothing may read them any more. Idempotent. */
  release(): void;
}

/**
 * A lease over `scratch` for one request whose buffers end up in places that are hard to follow
 * one by one (views in the answer being written, in the images being stored), so they go back
 * together once all of that is over. A borrow after the release gets a buffer of its own, never
 * given back: a call still running then (a fan-out sibling of a failed one) must not be handed a
 * buffer that another request may already be writing into.
 */
export function leaseScratch(scratch: ScratchBuffers): ScratchLease {
  let lent: Buffer[] | undefined = [];
  return {
    borrow(size) {
      if (lent === undefined) return Buffer.allocUnsafeSlow(size);
      const buffer = scratch.borrow(size);
      lent.push(buffer);
      return buffer;
    },
    release() {
      const all = lent ?? [];
      lent = undefined;
      for (const buffer of all) scratch.giveBack(buffer);
    },
  };
}
