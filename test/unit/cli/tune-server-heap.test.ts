import { execFileSync } from 'node:child_process';
import v8 from 'node:v8';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SERVER_HEAP_GROWING_PERCENT, tuneServerHeap } from '../../../src/cli/tune-server-heap.js';

describe('tuneServerHeap', () => {
  afterEach(() => vi.restoreAllMocks());

  it('sets a fixed old-generation growth when the operator gave none', () => {
    const set = vi.spyOn(v8, 'setFlagsFromString').mockImplementation(() => undefined);
    expect(tuneServerHeap(['--enable-source-maps'])).toBe(`--heap-growing-percent=${SERVER_HEAP_GROWING_PERCENT}`);
    expect(set).toHaveBeenCalledExactlyOnceWith(`--heap-growing-percent=${SERVER_HEAP_GROWING_PERCENT}`);
  });

  it("leaves the operator's own setting alone, in either spelling", () => {
    const set = vi.spyOn(v8, 'setFlagsFromString').mockImplementation(() => undefined);
    expect(tuneServerHeap(['--heap-growing-percent=50'])).toBeUndefined();
    expect(tuneServerHeap(['--heap-growing-percent', '50'])).toBeUndefined();
    expect(set).not.toHaveBeenCalled();
  });

  it('names a flag this Node.js build knows (V8 ignores unknown flags without failing)', () => {
    const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    expect(options).toMatch(/^\s*--heap-growing-percent\b.*$/m);
  });
});
