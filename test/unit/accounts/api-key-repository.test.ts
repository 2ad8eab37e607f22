import { readFileSync, existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ENV_ADMIN_KEY_NAME,
  countAdminKeys,
  createApiKey,
  ensureAdminKey,
  findApiKeyByToken,
  listApiKeys,
  revokeApiKey,
  touchApiKey,
} from '../../../src/accounts/api-key-repository.js';
import { hashApiKey } from '../../../src/accounts/api-key-token.js';
import { sqliteFileFromUrl } from '../../../src/db/create-database.js';
import { migrate } from '../../../src/db/migrate.js';
import { forEachDatabase } from '../../helpers/test-databases.js';
import { usd } from './account-fixtures.js';

describe('api key repository', () => {
  forEachDatabase((harness) => {
    it('creates a key, finds it by token, and stops finding it once revoked', async () => {
      const created = await createApiKey(harness.db, { name: 'ci bot', creditsMicros: usd(10) });
      expect(created.key).toMatch(/^sk-ir-[0-9A-Za-z]{58}$/);
      expect(created.apiKey).toMatchObject({ name: 'ci bot', keyPrefix: created.key.slice(0, 10), isAdmin: false, revokedAt: null });
      expect(created.account).toMatchObject({ name: 'ci bot', balanceMicros: usd(10) });

      const found = await findApiKeyByToken(harness.db, created.key);
      expect(found).toEqual({ apiKey: created.apiKey, account: created.account });
      // A different last character (a fixed 'x' would be the same key once in 62 runs).
      expect(await findApiKeyByToken(harness.db, created.key.slice(0, -1) + (created.key.endsWith('x') ? 'y' : 'x'))).toBeUndefined();
      expect(await findApiKeyByToken(harness.db, '')).toBeUndefined();

      expect(await revokeApiKey(harness.db, created.apiKey.id)).toBe(created.apiKey.id);
      expect(await findApiKeyByToken(harness.db, created.key)).toBeUndefined();
      expect(await revokeApiKey(harness.db, created.apiKey.id)).toBeUndefined();
    });

    it('stores only the hash: no column of any table holds the key', async () => {
      const url = await harness.createEmptyDatabase();
      const database = await harness.open(url);
      await migrate(database);
      const { key } = await createApiKey(database.db, { name: 'secret holder', admin: true, creditsMicros: usd(1) });
      const secretPart = key.slice(10); // the part never shown anywhere
      const dump: unknown[] = [];
      for (const table of ['accounts', 'api_keys', 'ledger_entries', 'generations', 'stored_images'] as const) {
        dump.push(...(await database.db.selectFrom(table).selectAll().execute()));
      }
      const text = JSON.stringify(dump);
      expect(text).toContain(hashApiKey(key));
      expect(text).not.toContain(secretPart);
      if (database.dialect === 'sqlite') {
        // The raw bytes too, write-ahead log included.
        const file = sqliteFileFromUrl(url);
        for (const path of [file, `${file}-wal`].filter((candidate) => existsSync(candidate))) {
          expect(readFileSync(path).includes(Buffer.from(secretPart))).toBe(false);
        }
      }
    });

    it('creates unlimited accounts by default and grants credits as a ledger entry', async () => {
      const unlimited = await createApiKey(harness.db, { name: 'operator' });
      expect(unlimited.account.balanceMicros).toBeNull();
      const funded = await createApiKey(harness.db, { name: 'customer', creditsMicros: usd(30) });
      const grants = await harness.db.selectFrom('ledger_entries').selectAll().where('account_id', '=', funded.account.id).execute();
      expect(grants).toMatchObject([{ kind: 'grant', amount_micros: usd(30), generation_id: null }]);
      const empty = await createApiKey(harness.db, { name: 'zero', creditsMicros: 0 });
      expect(empty.account.balanceMicros).toBe(0);
    });

    it('adds keys to an existing account, granting on top', async () => {
      const first = await createApiKey(harness.db, { name: 'team', creditsMicros: usd(5) });
      const second = await createApiKey(harness.db, { name: 'team laptop', accountId: first.account.id, creditsMicros: usd(2) });
      expect(second.account).toMatchObject({ id: first.account.id, name: 'team', balanceMicros: usd(7) });
      await expect(createApiKey(harness.db, { name: 'orphan', accountId: 'no-such-account' })).rejects.toMatchObject({ kind: 'not_found' });
      await expect(createApiKey(harness.db, { name: '  ' })).rejects.toMatchObject({ kind: 'invalid_request' });
    });

    it('revokes by display prefix, refusing an ambiguous one', async () => {
      const created = await createApiKey(harness.db, { name: 'by prefix' });
      expect(await revokeApiKey(harness.db, created.apiKey.keyPrefix)).toBe(created.apiKey.id);
      expect(await findApiKeyByToken(harness.db, created.key)).toBeUndefined();
      const [one, two] = [await createApiKey(harness.db, { name: 'a' }), await createApiKey(harness.db, { name: 'b' })];
      await harness.db
        .updateTable('api_keys')
        .set({ key_prefix: 'sk-ir-SAME' })
        .where('id', 'in', [one.apiKey.id, two.apiKey.id])
        .execute();
      await expect(revokeApiKey(harness.db, 'sk-ir-SAME')).rejects.toThrow(/matches 2 api keys/);
      expect(await revokeApiKey(harness.db, 'sk-ir-none')).toBeUndefined();
    });

    it('lists every key with its account, revoked ones included', async () => {
      const database = await harness.openFresh();
      const kept = await createApiKey(database.db, { name: 'kept', now: 1_000 });
      const revoked = await createApiKey(database.db, { name: 'revoked', now: 2_000 });
      await revokeApiKey(database.db, revoked.apiKey.id, 3_000);
      const listed = await listApiKeys(database.db);
      expect(listed.map((item) => [item.apiKey.name, item.apiKey.revokedAt, item.account.id])).toEqual([
        ['kept', null, kept.account.id],
        ['revoked', 3_000, revoked.account.id],
      ]);
    });

    it('touches last_used_at at most once a minute per key', async () => {
      const created = await createApiKey(harness.db, { name: 'busy' });
      const lastUsed = async () => (await findApiKeyByToken(harness.db, created.key))?.apiKey.lastUsedAt;
      expect(await touchApiKey(harness.db, created.apiKey.id, 100_000)).toBe(true);
      expect(await lastUsed()).toBe(100_000);
      expect(await touchApiKey(harness.db, created.apiKey.id, 159_999)).toBe(false);
      expect(await lastUsed()).toBe(100_000);
      expect(await touchApiKey(harness.db, created.apiKey.id, 160_000)).toBe(true);
      expect(await lastUsed()).toBe(160_000);
    });

    it('ensures the environment admin key idempotently, re-activating it if revoked', async () => {
      const database = await harness.openFresh();
      const adminKey = 'operator-admin-key-0123456789';
      expect(await countAdminKeys(database.db)).toBe(0);
      const first = await ensureAdminKey(database.db, adminKey);
      expect(first).toMatchObject({ name: ENV_ADMIN_KEY_NAME, isAdmin: true, revokedAt: null, keyPrefix: 'oper' });
      expect(await ensureAdminKey(database.db, adminKey)).toEqual(first);
      expect(await countAdminKeys(database.db)).toBe(1);

      await revokeApiKey(database.db, first.id);
      expect(await countAdminKeys(database.db)).toBe(0);
      expect(await ensureAdminKey(database.db, adminKey)).toMatchObject({ id: first.id, revokedAt: null });
      const found = await findApiKeyByToken(database.db, adminKey);
      expect(found?.apiKey.isAdmin).toBe(true);
      expect(found?.account.balanceMicros).toBeNull();
    });

    it('ensures the admin key once when replicas start together', async () => {
      // On PostgreSQL a second pool is a second replica; SQLite replicas would share one file lock.
      const url = await harness.createEmptyDatabase();
      const database = await harness.open(url);
      await migrate(database);
      const replica = harness.dialect === 'postgres' ? await harness.open(url) : database;
      const adminKey = 'replicated-admin-key-abcdef';
      const results = await Promise.all([database, replica, database, replica].map((each) => ensureAdminKey(each.db, adminKey)));
      expect(new Set(results.map((result) => result.id)).size).toBe(1);
      expect(await countAdminKeys(database.db)).toBe(1);
    });
  });
});
