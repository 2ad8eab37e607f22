import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../../src/accounts/api-key-repository.js';
import { finishGeneration, insertGeneration } from '../../../src/accounts/generation-repository.js';
import { registerAccountsCommand } from '../../../src/cli/accounts-command.js';
import type { CliIo } from '../../../src/cli/admin-cli-context.js';
import { registerCreditsCommand } from '../../../src/cli/credits-command.js';
import { registerUsageCommand } from '../../../src/cli/usage-command.js';
import type { Json } from '../../helpers/gateway-client.js';
import { parseCsv } from '../../helpers/parse-csv.js';
import { forEachDatabase } from '../../helpers/test-databases.js';

const DAY = 86_400_000;
const DAY_ONE = Date.UTC(2026, 10, 1, 12);

/** `imagerouter accounts | credits | usage` in process, over a real database of each dialect. */
forEachDatabase((harness) => {
  describe('admin CLI commands', () => {
    let dataDir: string;

    beforeAll(async () => {
      dataDir = await mkdtemp(path.join(tmpdir(), 'imagerouter-cli-admin-'));
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
      registerAccountsCommand(program, io);
      registerCreditsCommand(program, io);
      registerUsageCommand(program, io);
      await program.parseAsync(['node', 'imagerouter', ...args]);
      return { stdout: stdout.join(''), stderr: stderr.join('') };
    };
    const runJson = async (...args: string[]): Promise<Json> => JSON.parse((await run(...args, '--json')).stdout);

    it('creates, grants, deducts and shows the ledger, as JSON and as tables', async () => {
      const created = await runJson('accounts', 'create', 'cli co', '--credits', '3');
      expect(created).toMatchObject({ name: 'cli co', balance_micros: 3_000_000, unlimited: false });
      const id = created.id as string;
      expect(await runJson('accounts', 'grant', id, '1.5', '--note', 'top-up')).toMatchObject({ balance_micros: 4_500_000 });
      expect(await runJson('accounts', 'deduct', id, '0.5', '--note', 'correction')).toMatchObject({ balance_micros: 4_000_000 });
      await expect(run('accounts', 'deduct', id, '99')).rejects.toThrow(/below 0/);
      await expect(run('accounts', 'grant', id, '-1')).rejects.toThrow();
      expect(await runJson('accounts', 'show', id)).toMatchObject({ id, balance: 4 });

      const ledger = await runJson('accounts', 'ledger', id);
      expect(ledger.data.map((entry: Json) => [entry.kind, entry.amount_micros, entry.note])).toEqual([
        ['adjust', -500_000, 'correction'],
        ['grant', 1_500_000, 'top-up'],
        ['grant', 3_000_000, 'initial credits'],
      ]);
      expect(ledger.data.reduce((sum: number, entry: Json) => sum + (entry.amount_micros as number), 0)).toBe(4_000_000);

      const table = (await run('accounts', 'ledger', id)).stdout.trimEnd().split('\n');
      expect(table[0]).toMatch(/^CREATED\s+KIND\s+USD\s+GENERATION\s+NOTE$/);
      expect(table).toHaveLength(4);
      // Aligned: every row's KIND column starts where the header's does.
      const kindColumn = table[0]!.indexOf('KIND');
      expect(table.slice(1).map((line) => line.slice(kindColumn).split(' ')[0])).toEqual(['adjust', 'grant', 'grant']);

      const list = await runJson('accounts', 'list');
      expect(list.data.map((account: Json) => account.id)).toContain(id);
      expect((await run('accounts', 'list')).stdout).toMatch(/^ID\s+NAME\s+BALANCE\s+KEYS\s+CREATED\n/);
      await expect(run('accounts', 'show', randomUUID())).rejects.toThrow(/not found/);
    });

    it('prints an account balance with usage per key', async () => {
      const id = (await runJson('accounts', 'create', 'credits co', '--credits', '2')).id as string;
      await createApiKey(harness.db, { name: 'k1', accountId: id });
      const credits = await runJson('credits', id);
      expect(credits).toMatchObject({ account: { id, balance_micros: 2_000_000 }, remaining_credits: '2.0000', total_deposits: '2.0000' });
      expect(credits.usage_by_api_key).toMatchObject([{ api_key_name: 'k1' }]);
      expect((await run('credits', id)).stdout).toContain('$2.0000 left');
    });

    it('reports usage rows, totals per day and CSV over recorded generations', async () => {
      const id = (await runJson('accounts', 'create', 'usage co')).id as string;
      const key = await createApiKey(harness.db, { name: 'u', accountId: id });
      const generationIds: string[] = [];
      for (const [offset, status] of [
        [0, 'success'],
        [1000, 'success'],
        [DAY, 'error'],
      ] as const) {
        const generationId = randomUUID();
        generationIds.push(generationId);
        await insertGeneration(harness.db, {
          id: generationId,
          accountId: id,
          apiKeyId: key.apiKey.id,
          model: 'test/test',
          responseFormat: 'url',
          outputFormat: 'png',
          size: '64x64',
          quality: 'auto',
          n: 1,
          prompt: 'p, "quoted"',
          inputImageCount: 0,
          hasMask: false,
          reservedMicros: 0,
          createdAt: DAY_ONE + offset,
        });
        await finishGeneration(harness.db, generationId, {
          status,
          provider: status === 'success' ? 'test' : null,
          route: null,
          costMicros: status === 'success' ? 20_000 : 0,
          latencyMs: 5,
          imageCount: status === 'success' ? 1 : 0,
          outputIds: [],
          warnings: [],
          attempts: [],
          errorMessage: status === 'error' ? 'failed, "badly"' : null,
          errorType: status === 'error' ? 'upstream_error' : null,
          httpStatus: status === 'error' ? 502 : 200,
          finishedAt: DAY_ONE + offset + 5,
        });
      }
      const rows = await runJson('usage', '--account', id);
      expect(rows.data.map((row: Json) => row.id)).toEqual([...generationIds].reverse());
      expect(await runJson('usage', '--account', id, '--status', 'success')).toMatchObject({ data: [{}, {}] });
      expect((await runJson('usage', '--account', id, '--from', new Date(DAY_ONE + DAY).toISOString())).data).toHaveLength(1);
      expect((await runJson('usage', '--account', id, '--to', String(DAY_ONE + 1000))).data).toHaveLength(1);

      const byDay = await runJson('usage', '--account', id, '--group-by', 'day');
      expect(byDay.total).toMatchObject({ count: 3, cost_micros: 40_000 });
      expect(byDay.data).toEqual([
        { key: '2026-11-02', count: 1, images: 0, cost_micros: 0, cost: 0 },
        { key: '2026-11-01', count: 2, images: 2, cost_micros: 40_000, cost: 0.04 },
      ]);
      expect((await run('usage', '--account', id, '--group-by', 'day')).stdout).toMatch(/^DAY\s+COUNT\s+IMAGES\s+COST\n2026-11-02/);

      const paged: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Json = await runJson('usage', '--account', id, '--limit', '1', ...(cursor === null ? [] : ['--cursor', cursor]));
        paged.push(...page.data.map((row: Json) => row.id as string));
        cursor = page.next_cursor as string | null;
      } while (cursor !== null);
      expect(paged).toEqual(rows.data.map((row: Json) => row.id));

      const [header, ...records] = parseCsv((await run('usage', '--account', id, '--csv')).stdout);
      expect(header?.slice(0, 3)).toEqual(['id', 'created_at', 'account_id']);
      expect(records.map((record) => record[0])).toEqual(rows.data.map((row: Json) => row.id));
      await expect(run('usage', '--status', 'done')).rejects.toThrow(/status/);
    });
  });
});
