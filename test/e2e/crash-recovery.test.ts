import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { getGeneration } from '../../src/accounts/generation-repository.js';
import { ABANDONED_GENERATION_MESSAGE } from '../../src/accounts/recover-abandoned-generations.js';
import { PRICED_TEST_MODEL_YAML, getJson, postJson, waitFor, writeOperatorConfig } from '../helpers/gateway-client.js';
import { forEachDatabase } from '../helpers/test-databases.js';
import { freePort } from '../helpers/free-port.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin', 'imagerouter.js');

/** `imagerouter serve` as a child process, healthy. */
async function serve(env: NodeJS.ProcessEnv, url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [bin, 'serve'], { env, cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.resume();
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
      return (await fetch(`${url}/health`).catch(() => undefined))?.ok ? true : undefined;
    },
    30_000,
    'the server to become healthy',
  );
  return child;
}

async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** A real crash: the gateway is killed with SIGKILL mid-generation and a new process starts on the same data. */
describe('crash recovery', () => {
  forEachDatabase((harness) => {
    it('after kill -9 mid-generation, the next start returns the held credits of the waited-for one and finishes the async one', async () => {
      const dataDir = await mkdtemp(path.join(tmpdir(), 'imagerouter-crash-'));
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const databaseUrl = await harness.createEmptyDatabase();
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        IMAGEROUTER_DATA_DIR: dataDir,
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: url,
        LOG_LEVEL: 'warn',
        DATABASE_URL: databaseUrl,
        IMAGEROUTER_ADMIN_KEY: 'crash-test-admin-key-0123456789',
        IMAGEROUTER_CONFIG: await writeOperatorConfig(dataDir, PRICED_TEST_MODEL_YAML),
        // Short, so the dead process's leases pass within the test.
        IMAGEROUTER_GENERATION_LEASE_MS: '1000',
      };
      const { stdout } = await run(process.execPath, [bin, 'keys', 'create', '--name', 'app', '--credits', '1'], { env, cwd: root });
      const key = stdout.trimEnd().split('\n').at(-1) ?? '';
      const remaining = async () => (await getJson(url, '/v1/credits', { key })).body.remaining_credits as string;
      const body = { model: 'test/test', prompt: '[[delay:10000]] a lighthouse', size: '64x64', response_format: 'b64_json' };

      let child = await serve(env, url);
      try {
        // One generation waited for by its client, one in async mode: both in flight when the process dies.
        const waiting = postJson(url, '/v1/openai/images/generations', body, { key }).catch((error: unknown) => error);
        const accepted = await postJson(url, '/v1/openai/images/generations', body, { key, headers: { prefer: 'respond-async' } });
        expect(accepted.status).toBe(202);
        const asyncId = accepted.body.id as string;
        await waitFor(async () => ((await remaining()) === '0.9800' ? true : undefined), 20_000, 'both holds');

        await killHard(child);
        expect(await waiting).toBeInstanceOf(Error);

        child = await serve(env, url);
        // The waited-for generation's client is gone: its hold comes back. The async one was kept
        // (request and all) and is run again by the new process: charged once when it finishes.
        const record = await waitFor(
          async () => {
            const found = await getJson(url, `/v1/generations/${asyncId}`, { key });
            return found.body.status === 'processing' ? undefined : found.body;
          },
          40_000,
          'the async generation to be finished by the new process',
        );
        expect(record).toMatchObject({ status: 'success', cost: 0.01 });
        expect(await remaining()).toBe('0.9900');

        const database = await harness.open(databaseUrl);
        const rows = await database.db.selectFrom('generations').select('id').execute();
        expect(rows).toHaveLength(2);
        const waitedFor = rows.find((row) => row.id !== asyncId)!.id;
        expect(await getGeneration(database.db, waitedFor)).toMatchObject({ status: 'error', errorMessage: ABANDONED_GENERATION_MESSAGE });
        const closing = await database.db
          .selectFrom('ledger_entries')
          .select(['generation_id', 'kind', 'amount_micros'])
          .where('kind', 'in', ['settle', 'release'])
          .execute();
        expect(closing.map((entry) => [entry.generation_id, entry.kind, Number(entry.amount_micros)]).sort()).toEqual(
          [
            [waitedFor, 'release', 10_000],
            [asyncId, 'settle', 0],
          ].sort(),
        );
        // Its kept request is gone with it.
        expect(await database.db.selectFrom('generation_jobs').select('generation_id').execute()).toEqual([]);

        // The new process serves as usual.
        const fresh = await postJson(url, '/v1/openai/images/generations', { ...body, prompt: 'a quick lighthouse' }, { key });
        expect(fresh.status).toBe(200);
        expect(await remaining()).toBe('0.9800');
      } finally {
        await killHard(child);
        await rm(dataDir, { recursive: true, force: true });
      }
    }, 90_000);
  });
});
