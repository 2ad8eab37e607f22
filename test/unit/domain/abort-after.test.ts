import { describe, expect, it } from 'vitest';
import { abortAfter } from '../../../src/domain/abort-after.js';

describe('abortAfter', () => {
  it('aborts after its time with a TimeoutError, the parent untouched', async () => {
    const parent = new AbortController();
    const { signal } = abortAfter(parent.signal, 20);
    await new Promise((resolve) => signal.addEventListener('abort', resolve));
    expect(signal.reason).toMatchObject({ name: 'TimeoutError' });
    expect(parent.signal.aborted).toBe(false);
  });

  it("follows the parent, with the parent's reason, and when the parent was aborted already", () => {
    const parent = new AbortController();
    const { signal } = abortAfter(parent.signal, 60_000);
    const reason = new Error('client left');
    parent.abort(reason);
    expect(signal.reason).toBe(reason);
    expect(abortAfter(parent.signal, 60_000).signal.reason).toBe(reason);
  });

  it('once disposed, neither fires nor follows the parent, and leaves no listener behind', async () => {
    const parent = new AbortController();
    const timed = Array.from({ length: 50 }, () => abortAfter(parent.signal, 20));
    for (const { dispose } of timed) dispose();
    await new Promise((resolve) => setTimeout(resolve, 60));
    parent.abort(new Error('late'));
    expect(timed.map(({ signal }) => signal.aborted)).toEqual(Array.from({ length: 50 }, () => false));
  });
});
