import { describe, expect, it } from 'vitest';
import { createScratchBuffers, leaseScratch } from '../../../src/domain/scratch-buffers.js';

const MIB = 1024 * 1024;

describe('scratch buffers', () => {
  it('lends a buffer of at least the size asked, and lends it again once given back', () => {
    const scratch = createScratchBuffers({ maxKept: 4, maxKeptBytes: 64 * MIB, maxBufferBytes: 16 * MIB });
    const first = scratch.borrow(1_400_001);
    expect(first.length).toBeGreaterThanOrEqual(1_400_001);
    const second = scratch.borrow(1_400_001);
    expect(second === first).toBe(false);
    scratch.giveBack(first);
    expect(scratch.borrow(1_300_000) === first).toBe(true);
  });

  it('lends the smallest kept buffer that fits, and a new one when none does', () => {
    const scratch = createScratchBuffers({ maxKept: 4, maxKeptBytes: 64 * MIB, maxBufferBytes: 16 * MIB });
    const small = scratch.borrow(MIB);
    const large = scratch.borrow(4 * MIB);
    scratch.giveBack(large);
    scratch.giveBack(small);
    expect(scratch.borrow(100) === small).toBe(true);
    const bigger = scratch.borrow(5 * MIB);
    expect(bigger === large).toBe(false);
    expect(bigger.length).toBeGreaterThanOrEqual(5 * MIB);
    expect(scratch.borrow(3 * MIB) === large).toBe(true);
  });

  it('refuses a buffer it did not lend or already took back, so no buffer is ever lent twice at once', () => {
    const scratch = createScratchBuffers({ maxKept: 4, maxKeptBytes: 64 * MIB, maxBufferBytes: 16 * MIB });
    const lent = scratch.borrow(10);
    scratch.giveBack(lent);
    expect(() => scratch.giveBack(lent)).toThrow(/not on loan/);
    expect(() => scratch.giveBack(Buffer.alloc(10))).toThrow(/not on loan/);
    const again = scratch.borrow(10);
    expect(again === lent).toBe(true);
    expect(scratch.borrow(10) === lent).toBe(false);
  });

  it('keeps at most maxKept buffers, the larger ones, and none above maxBufferBytes', () => {
    const scratch = createScratchBuffers({ maxKept: 2, maxKeptBytes: 64 * MIB, maxBufferBytes: 8 * MIB });
    const [a, b, c] = [scratch.borrow(MIB), scratch.borrow(2 * MIB), scratch.borrow(3 * MIB)];
    const huge = scratch.borrow(9 * MIB);
    for (const buffer of [a, b, c, huge]) scratch.giveBack(buffer);
    // Kept: c and b (a was the smallest when the list was full; huge is above the limit).
    expect(scratch.borrow(2 * MIB) === b).toBe(true);
    expect(scratch.borrow(2 * MIB) === c).toBe(true);
    const fresh = scratch.borrow(9 * MIB);
    expect(fresh === huge).toBe(false);
    expect(scratch.borrow(MIB) === a).toBe(false);
  });

  it('keeps at most maxKeptBytes in all, dropping the smallest first', () => {
    const scratch = createScratchBuffers({ maxKept: 8, maxKeptBytes: 6 * MIB, maxBufferBytes: 8 * MIB });
    const [one, two, four] = [scratch.borrow(MIB), scratch.borrow(2 * MIB), scratch.borrow(4 * MIB)];
    for (const buffer of [one, two, four]) scratch.giveBack(buffer);
    // 7 MiB is over the limit: the 1 MiB buffer went, 2 + 4 stayed.
    expect(scratch.borrow(MIB) === two).toBe(true);
    expect(scratch.borrow(MIB) === four).toBe(true);
    expect(scratch.borrow(MIB) === one).toBe(false);
  });

  it('a lease gives back everything it lent at once, once', () => {
    const scratch = createScratchBuffers({ maxKept: 4, maxKeptBytes: 64 * MIB, maxBufferBytes: 16 * MIB });
    const lease = leaseScratch(scratch);
    const first = lease.borrow(MIB);
    const second = lease.borrow(2 * MIB);
    expect(scratch.borrow(MIB) === first || scratch.borrow(MIB) === second).toBe(false);
    lease.release();
    lease.release();
    expect(scratch.borrow(2 * MIB) === second).toBe(true);
    expect(scratch.borrow(MIB) === first).toBe(true);
  });

  it('a lease lends a buffer of its own after its release, which never returns to the pool', () => {
    const scratch = createScratchBuffers({ maxKept: 4, maxKeptBytes: 64 * MIB, maxBufferBytes: 16 * MIB });
    const lease = leaseScratch(scratch);
    lease.release();
    const late = lease.borrow(MIB);
    expect(late.length).toBeGreaterThanOrEqual(MIB);
    lease.release();
    expect(scratch.borrow(MIB) === late).toBe(false);
    expect(() => scratch.giveBack(late)).toThrow('giveBack: this buffer is not on loan');
  });
});
