import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createVersionedApiKeyCache, type ApiKeyCache } from '../../../src/accounts/api-key-cache.js';
import {
  apiKeyChangeCount,
  createApiKey,
  findApiKeyByToken,
  revokeApiKey,
  touchApiKey,
  updateApiKey,
} from '../../../src/accounts/api-key-repository.js';
import { createApiKeyService } from '../../../src/accounts/api-key-service.js';
import { hashApiKey } from '../../../src/accounts/api-key-token.js';
import { createDatabase, type Database } from '../../../src/db/create-database.js';
import { migrate } from '../../../src/db/migrate.js';

// The SQLite gateway's cache of key lookups, on a real file with two connections: the gateway's,
// and another process's (the CLI, a second `serve`), whose commits SQLite's `data_version` reports.
describe('createVersionedApiKeyCache over SQLite', () => {
  let dir: string;
  let gateway: Database;
  let otherProcess: Database;
  let cache: ApiKeyCache;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'imagerouter-key-cache-'));
    gateway = await createDatabase({ dataDir: dir });
    await migrate(gateway);
    otherProcess = await createDatabase({ dataDir: dir });
    const dataVersion = gateway.dataVersion!;
    cache = createVersionedApiKeyCache(() => `${dataVersion()}:${apiKeyChangeCount()}`, { clock: Date.now, ttlMs: 60_000 });
  });

  afterEach(async () => {
    await otherProcess.close();
    await gateway.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Another process's revocation: written on the other connection with plain SQL, since the
   * repository's functions would also move this process's change count, which that process's
   * writes can't.
   */
  const revokeElsewhere = (id: string) =>
    otherProcess.db.updateTable('api_keys').set({ revoked_at: Date.now() }).where('id', '=', id).execute();

  /** A lookup as `authenticate` makes it, counting the database reads. */
  function lookups(token: string) {
    const counter = {
      loads: 0,
      lookup: () => cache.lookup(hashApiKey(token), () => (counter.loads++, findApiKeyByToken(gateway.db, token))),
    };
    return counter;
  }

  it("serves repeated lookups from memory, through the gateway's own writes", async () => {
    const { key, apiKey } = await createApiKey(gateway.db, { name: 'k' });
    const counter = lookups(key);
    expect((await counter.lookup())?.apiKey.id).toBe(apiKey.id);
    // What every request writes (ledger, records, last use) is not a change to a key.
    await touchApiKey(gateway.db, apiKey.id, Date.now());
    await gateway.db.updateTable('accounts').set({ name: 'renamed' }).execute();
    expect((await counter.lookup())?.apiKey.id).toBe(apiKey.id);
    expect(counter.loads).toBe(1);
  });

  it('refuses a key on the next lookup once another process revoked it', async () => {
    const { key, apiKey } = await createApiKey(gateway.db, { name: 'k' });
    const counter = lookups(key);
    expect(await counter.lookup()).toBeDefined();
    await revokeElsewhere(apiKey.id);
    expect(await counter.lookup()).toBeUndefined();
    expect(counter.loads).toBe(2);
  });

  it('refuses a key on the next lookup once this process revoked it, even past the service', async () => {
    const { key, apiKey } = await createApiKey(gateway.db, { name: 'k' });
    const counter = lookups(key);
    expect(await counter.lookup()).toBeDefined();
    // The gateway's own connection: `data_version` does not move, the change count does.
    expect(await revokeApiKey(gateway.db, apiKey.id)).toBe(apiKey.id);
    expect(await counter.lookup()).toBeUndefined();
  });

  it("reads a key's new limits on the next lookup, whichever process changed them", async () => {
    const { key, apiKey } = await createApiKey(gateway.db, { name: 'k' });
    const counter = lookups(key);
    expect((await counter.lookup())?.apiKey.limits.scopes).toContain('generate');
    await otherProcess.db.updateTable('api_keys').set({ scopes: 'read' }).where('id', '=', apiKey.id).execute();
    expect((await counter.lookup())?.apiKey.limits.scopes).toEqual(['read']);
    await updateApiKey(gateway.db, apiKey.id, { scopes: ['generate', 'read'] });
    expect((await counter.lookup())?.apiKey.limits.scopes).toEqual(['generate', 'read']);
  });

  it('through the key service: authentication fails at once after a revocation elsewhere', async () => {
    const { key, apiKey } = await createApiKey(gateway.db, { name: 'k' });
    const service = createApiKeyService(gateway.db, Date.now, cache);
    expect((await service.authenticate(key))?.apiKeyId).toBe(apiKey.id);
    await revokeElsewhere(apiKey.id);
    expect(await service.authenticate(key)).toBeUndefined();
  });
});
