import { describe, expect, it } from 'vitest';
import { createProviderHealth } from '../../../src/routing/provider-health.js';

describe('provider health window', () => {
  it('reports nothing before the first call', () => {
    expect(createProviderHealth().of('openai')).toEqual({
      calls: 0,
      errors: 0,
      errorRate: null,
      p50LatencyMs: null,
      p95LatencyMs: null,
      lastError: null,
      lastCallAt: null,
    });
  });

  it('gives the error rate and nearest-rank p50/p95 of successful calls over the latest calls only', () => {
    const health = createProviderHealth(20);
    // 5 old failures fall out of a window of 20 once 20 newer calls arrive.
    for (let index = 0; index < 5; index += 1)
      health.record('a', { at: index, durationMs: 9999, error: { kind: 'timeout', message: 'old' } });
    for (let index = 1; index <= 19; index += 1) health.record('a', { at: 100 + index, durationMs: index * 10 });
    health.record('a', { at: 200, durationMs: 5000, error: { kind: 'upstream_error', message: 'The provider failed' } });
    const report = health.of('a');
    expect(report).toMatchObject({ calls: 20, errors: 1, errorRate: 0.05, lastCallAt: 200 });
    expect(report.p50LatencyMs).toBe(100);
    expect(report.p95LatencyMs).toBe(190);
    expect(report.lastError).toEqual({ kind: 'upstream_error', message: 'The provider failed', at: 200 });
    expect(health.of('b').calls).toBe(0);
  });
});
