import { describe, expect, it } from 'vitest';
import { createLatencyTracker } from '../../../src/routing/latency-tracker.js';
import { orderRoutes } from '../../../src/routing/order-routes.js';
import { retryDelayMs, DEFAULT_BACKOFF } from '../../../src/routing/backoff.js';

const routes = [
  { provider: 'a', model: 'm', priority: 1, weight: 1, price: 30 },
  { provider: 'b', model: 'm', priority: 0, weight: 3, price: 20 },
  { provider: 'c', model: 'm', priority: 2, weight: 0, price: 10 },
];

const order = (strategy: 'priority' | 'weighted' | 'cheapest' | 'fastest', random = () => 0.5, latency = new Map<string, number>()) =>
  orderRoutes({ routes, strategy, priceOf: (route) => route.price, latency, random }).map((route) => route.provider);

describe('orderRoutes', () => {
  it('priority: lowest first', () => expect(order('priority')).toEqual(['b', 'a', 'c']));
  it('cheapest: by this request’s price', () => expect(order('cheapest')).toEqual(['c', 'b', 'a']));
  it('fastest: unmeasured routes first, then by recent latency', async () => {
    const latency = createLatencyTracker();
    const keys = routes.map((route) => `${route.provider}:${route.model}`);
    await latency.record('a:m', 100);
    await latency.record('b:m', 900);
    expect(order('fastest', undefined, await latency.estimates(keys))).toEqual(['c', 'a', 'b']);
    await latency.record('c:m', 500);
    expect(order('fastest', undefined, await latency.estimates(keys))).toEqual(['a', 'c', 'b']);
  });
  it('weighted: shares follow the weights, zero weight only as a fallback', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const firsts = { a: 0, b: 0, c: 0 };
    for (let index = 0; index < 4_000; index += 1) firsts[order('weighted', random)[0] as 'a' | 'b' | 'c'] += 1;
    expect(firsts.c).toBe(0);
    expect(firsts.b / 4_000).toBeGreaterThan(0.7);
    expect(firsts.b / 4_000).toBeLessThan(0.8);
  });
});

describe('retryDelayMs', () => {
  it('honours Retry-After up to the cap, else backs off exponentially with jitter', () => {
    expect(retryDelayMs(DEFAULT_BACKOFF, 1, 2_000, () => 0.5)).toBe(2_000);
    expect(retryDelayMs(DEFAULT_BACKOFF, 1, 60_000, () => 0.5)).toBeUndefined();
    expect(retryDelayMs(DEFAULT_BACKOFF, 1, undefined, () => 0)).toBe(125);
    expect(retryDelayMs(DEFAULT_BACKOFF, 2, undefined, () => 1)).toBe(500);
    expect(retryDelayMs(DEFAULT_BACKOFF, 10, undefined, () => 1)).toBe(4_000);
  });
});
