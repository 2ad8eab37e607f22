import { describe, expect, it } from 'vitest';
import { loadUndici } from '../../../src/net/load-undici.js';

describe('loadUndici', () => {
  it("resolves to undici's named exports, once", async () => {
    const [first, second] = await Promise.all([loadUndici(), loadUndici()]);
    expect(typeof first.request).toBe('function');
    expect(typeof first.Agent).toBe('function');
    expect(second).toBe(first);
    expect(await loadUndici()).toBe(first);
  });
});
