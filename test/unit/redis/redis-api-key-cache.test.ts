import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKeyWithAccount } from '../../../src/accounts/account-records.js';
import type { ApiKeyCache } from '../../../src/accounts/api-key-cache.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { createRedisApiKeyCache } from '../../../src/redis/redis-api-key-cache.js';
import { createRedisConnection, type RedisConnection } from '../../../src/redis/redis-connection.js';
import { TEST_REDIS_URL, redisAvailable, uniqueRedisPrefix } from '../../helpers/test-redis.js';

/** Only the fields the cache reads: the key's id. */
const keyRow = (id: string) => ({ apiKey: { id } }) as unknown as ApiKeyWithAccount;

describe.skipIf(!redisAvailable)('API key cache with revocation over Redis pub/sub', () => {
  const prefix = uniqueRedisPrefix();
  const connections: RedisConnection[] = [];
  let a: ApiKeyCache;
  let b: ApiKeyCache;

  beforeAll(async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    for (let index = 0; index < 2; index += 1) connections.push(await createRedisConnection({ url: TEST_REDIS_URL, prefix, metrics }));
    a = await createRedisApiKeyCache(connections[0]!, { clock: Date.now, ttlMs: 60_000 });
    b = await createRedisApiKeyCache(connections[1]!, { clock: Date.now, ttlMs: 60_000 });
  });
  afterAll(async () => {
    await Promise.all(connections.map((connection) => connection.close()));
  });

  it('serves a repeated lookup from the cache, and reads again on every replica once a key is invalidated on one', async () => {
    let loads = 0;
    const load = async () => {
      loads += 1;
      return keyRow('key-1');
    };
    await b.lookup('hash-1', load);
    await b.lookup('hash-1', load);
    expect(loads).toBe(1);
    await a.invalidate('key-1');
    // Strictly the next lookup, whether or not the published message has arrived yet.
    await b.lookup('hash-1', load);
    expect(loads).toBe(2);
  });

  it('does not trust its cache once the shared generation moved, even with no message received', async () => {
    let loads = 0;
    const load = async () => {
      loads += 1;
      return keyRow('key-3');
    };
    await b.lookup('hash-3', load);
    await b.lookup('hash-3', load);
    expect(loads).toBe(1);
    // What a change on another replica does before its message is published (the message is lost here).
    await connections[0]!.client.incr(`${prefix}api-key-generation`);
    await b.lookup('hash-3', load);
    expect(loads).toBe(2);
  });

  it('never caches an unknown key', async () => {
    let loads = 0;
    const load = async () => {
      loads += 1;
      return undefined;
    };
    await a.lookup('unknown', load);
    await a.lookup('unknown', load);
    expect(loads).toBe(2);
  });

  it('does not store a lookup that was in flight when its key was invalidated', async () => {
    let release: (() => void) | undefined;
    const slow = a.lookup('hash-2', () => new Promise((resolve) => (release = () => resolve(keyRow('key-2')))));
    await a.invalidate('key-2');
    release?.();
    await slow;
    let loads = 0;
    await a.lookup('hash-2', async () => {
      loads += 1;
      return keyRow('key-2');
    });
    expect(loads).toBe(1);
  });
});
