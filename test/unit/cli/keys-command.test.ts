import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKeyService } from '../../../src/accounts/api-key-service.js';
import type { CliIo } from '../../../src/cli/admin-cli-context.js';
import { registerKeysCommand } from '../../../src/cli/keys-command.js';
import type { Json } from '../../helpers/gateway-client.js';
import { forEachDatabase } from '../../helpers/test-databases.js';

/** `imagerouter keys ...` in process, over a real database of each dialect. */
forEachDatabase((harness) => {
  describe('keys CLI', () => {
    let dataDir: string;

    beforeAll(async () => {
      dataDir = await mkdtemp(path.join(tmpdir(), 'imagerouter-cli-keys-'));
    });
    afterAll(async () => {
      await rm(dataDir, { recursive: true, force: true });
    });

    const run = async (...args: string[]) => {
      const stdout: string[] = [];
      const stderr: string[] = [];
      const io: CliIo = {
        env: { DATABASE_URL: harness.url, IMAGEROUTER_DATA_DIR: dataDir },
        stdout: { write: (text: string) => stdout.push(text) },
        stderr: { write: (text: string) => stderr.push(text) },
      };
      const program = new Command().exitOverride();
      registerKeysCommand(program, io);
      await program.parseAsync(['node', 'imagerouter', ...args]);
      return { stdout: stdout.join(''), stderr: stderr.join('') };
    };
    const runJson = async (...args: string[]): Promise<Json> => JSON.parse((await run(...args, '--json')).stdout);

    it('creates a key with limits, shows them, updates, rotates and revokes it', async () => {
      const keys = createApiKeyService(harness.db, Date.now);
      const created = await run(
        'keys',
        'create',
        '--name',
        'ci-bot',
        '--credits',
        '5',
        '--spend-limit',
        '1.5',
        '--period',
        'week',
        '--rpm',
        '20',
        '--concurrency',
        '2',
        '--scopes',
        'generate',
        '--expires',
        '2030-01-01T00:00:00Z',
      );
      const token = created.stdout.trimEnd().split('\n').at(-1)!;
      const caller = await keys.authenticate(token);
      expect(caller).toMatchObject({ scopes: ['generate'], rateLimits: { requestsPerMinute: 20, maxConcurrentGenerations: 2 } });
      const id = caller!.apiKeyId;

      const shown = await runJson('keys', 'show', id);
      expect(shown).toMatchObject({
        name: 'ci-bot',
        scopes: ['generate'],
        balance_micros: 5_000_000,
        expires_at: Date.UTC(2030, 0, 1),
        spend_limit: { limit_micros: 1_500_000, period: 'week', period_spend_micros: 0 },
        requests_per_minute: 20,
        max_concurrent_generations: 2,
      });
      const table = (await run('keys', 'list')).stdout;
      expect(table).toMatch(/ID +PREFIX +NAME +SCOPES +STATE/);
      expect(table).toContain('$0.0000/$1.5000 per week');
      expect(table).not.toContain(token);

      const updated = await runJson('keys', 'update', id, '--rpm', 'none', '--spend-limit', '3', '--expires', 'never');
      expect(updated).toMatchObject({
        requests_per_minute: null,
        expires_at: null,
        spend_limit: { limit_micros: 3_000_000, period: 'week' },
      });

      const rotated = (await run('keys', 'rotate', id)).stdout.trimEnd().split('\n').at(-1)!;
      expect(rotated).toMatch(/^sk-ir-/);
      expect(await keys.authenticate(token)).toBeUndefined();
      expect((await keys.authenticate(rotated))?.apiKeyId).toBe(id);

      expect((await run('keys', 'revoke', id)).stdout).toContain('Revoked');
      expect(await keys.authenticate(rotated)).toBeUndefined();
      expect((await runJson('keys', 'list')).data.find((key: Json) => key.id === id)).toMatchObject({ revoked_at: expect.any(Number) });
    });

    it('names the flag at fault', async () => {
      await expect(run('keys', 'create', '--rpm', '0')).rejects.toThrow(/^--rpm: /);
      await expect(run('keys', 'create', '--spend-limit', '1', '--period', 'year')).rejects.toThrow(/^--period: /);
      await expect(run('keys', 'create', '--scopes', 'generate,root')).rejects.toThrow(/^--scopes: /);
      await expect(run('keys', 'create', '--expires', 'soon')).rejects.toThrow(/^--expires: /);
      await expect(run('keys', 'create', '--spend-limit', 'lots')).rejects.toThrow(/--spend-limit/);
      await expect(run('keys', 'update', 'missing', '--rpm', '3')).rejects.toThrow(/No active key/);
      await run('keys', 'create', '--name', 'no-limit');
      const bare = (await runJson('keys', 'list')).data.find((key: Json) => key.name === 'no-limit');
      await expect(run('keys', 'update', bare.id, '--period', 'day')).rejects.toThrow(/^--period needs --spend-limit/);
    });
  });
});
