import { describe, expect, it } from 'vitest';
import type { ApiKeyWithAccount } from '../../../src/accounts/account-records.js';
import { createLocalApiKeyCache } from '../../../src/accounts/api-key-cache.js';

/** Only the field the cache reads: the key's id. */
const keyRow = (id: string) => ({ apiKey: { id } }) as unknown as ApiKeyWithAccount;

/** A load that counts its calls. */
function countingLoad(id: string) {
  const load = async () => {
    load.calls += 1;
    return keyRow(id);
  };
  load.calls = 0;
  return load;
}

// The in-process map the Redis cache wraps: its own rules, without the shared generation number
// (which clears the map on every change and so would hide a mistake here).
describe('createLocalApiKeyCache', () => {
  it('serves a lookup from the cache until its ttl passes', async () => {
    let now = 0;
    const cache = createLocalApiKeyCache({ ttlMs: 1_000, clock: () => now });
    const load = countingLoad('key-1');
    await cache.lookup('hash-1', load);
    now = 999;
    await cache.lookup('hash-1', load);
    expect(load.calls).toBe(1);
    now = 1_000;
    await cache.lookup('hash-1', load);
    expect(load.calls).toBe(2);
  });

  it('drops every hash of a key, and only that key', async () => {
    const cache = createLocalApiKeyCache({ ttlMs: 60_000, clock: () => 0 });
    const dropped = countingLoad('key-1');
    const kept = countingLoad('key-2');
    await cache.lookup('hash-1', dropped);
    await cache.lookup('hash-2', kept);
    cache.drop('key-1');
    await cache.lookup('hash-1', dropped);
    await cache.lookup('hash-2', kept);
    expect(dropped.calls).toBe(2);
    expect(kept.calls).toBe(1);
  });

  it('does not store a lookup that was in flight when a key was dropped or the cache cleared', async () => {
    for (const change of ['drop', 'clear'] as const) {
      const cache = createLocalApiKeyCache({ ttlMs: 60_000, clock: () => 0 });
      let release: (() => void) | undefined;
      const slow = cache.lookup('hash-1', () => new Promise((resolve) => (release = () => resolve(keyRow('key-1')))));
      if (change === 'drop') cache.drop('key-1');
      else cache.clear();
      expect(release).toBeDefined();
      release!();
      // The caller still gets what it loaded; only the cache must not keep it.
      expect(await slow).toEqual(keyRow('key-1'));
      const load = countingLoad('key-1');
      await cache.lookup('hash-1', load);
      expect(load.calls, change).toBe(1);
    }
  });

  it('never caches an unknown or revoked key', async () => {
    const cache = createLocalApiKeyCache({ ttlMs: 60_000, clock: () => 0 });
    let loads = 0;
    const load = async () => {
      loads += 1;
      return undefined;
    };
    await cache.lookup('hash-1', load);
    await cache.lookup('hash-1', load);
    expect(loads).toBe(2);
  });
});
