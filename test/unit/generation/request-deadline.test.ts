import { describe, expect, it } from 'vitest';
import { startRequestDeadline } from '../../../src/generation/request-deadline.js';

describe('startRequestDeadline', () => {
  it('aborts with a TimeoutError when the deadline passes', async () => {
    const deadline = startRequestDeadline(20);
    expect(deadline.at).toBeGreaterThan(Date.now());
    await new Promise((resolve) => deadline.signal.addEventListener('abort', resolve));
    expect((deadline.signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it("aborts with the caller's reason when the caller aborts first", () => {
    const caller = new AbortController();
    const deadline = startRequestDeadline(60_000, caller.signal);
    const reason = new DOMException('The client closed the request.', 'AbortError');
    caller.abort(reason);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.signal.reason).toBe(reason);
    deadline.clear();
  });

  it('starts aborted when the caller already has', () => {
    const caller = new AbortController();
    caller.abort(new Error('gone'));
    const deadline = startRequestDeadline(60_000, caller.signal);
    expect(deadline.signal.aborted).toBe(true);
    expect((deadline.signal.reason as Error).message).toBe('gone');
  });

  it('once cleared, neither the timer nor the caller aborts it', async () => {
    const caller = new AbortController();
    const deadline = startRequestDeadline(20, caller.signal);
    deadline.clear();
    caller.abort(new Error('late'));
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(deadline.signal.aborted).toBe(false);
  });
});
