import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { knownMigrations } from '../../src/db/migrate.js';
import { forEachDatabase } from '../helpers/test-databases.js';
import { freePort } from '../helpers/free-port.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin', 'imagerouter.js');

/** `imagerouter migrate` once, then replicas with `serve --no-migrate`: the rolling-deployment recipe of docs/deployment.md. */
forEachDatabase((harness) => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'imagerouter-migrate-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  const envFor = (databaseUrl: string, port = 0): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      IMAGEROUTER_DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: String(port),
      IMAGEROUTER_ADMIN_KEY: 'sk-ir-admin-migrate-test-0123456789',
    };
    return env;
  };

  it('serve --no-migrate refuses a schema with pending migrations and names the command that fixes it', async () => {
    const url = await harness.createEmptyDatabase();
    const failure = await run(process.execPath, [bin, 'serve', '--no-migrate'], { env: envFor(url), cwd: root }).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('pending migration');
    expect(failure?.stderr).toContain('imagerouter migrate');
  }, 120_000);

  it('two migrate runs at once apply each migration exactly once; serve --no-migrate then starts', async () => {
    const url = await harness.createEmptyDatabase();
    const [first, second] = await Promise.all([
      run(process.execPath, [bin, 'migrate'], { env: envFor(url), cwd: root }),
      run(process.execPath, [bin, 'migrate'], { env: envFor(url), cwd: root }),
    ]);
    const outputs = [first.stdout, second.stdout];
    expect(outputs.filter((stdout) => stdout.startsWith('Applied ')).length).toBe(1);
    expect(outputs.filter((stdout) => stdout.includes('nothing to migrate')).length).toBe(1);
    const applied = outputs.find((stdout) => stdout.startsWith('Applied ')) ?? '';
    for (const name of knownMigrations()) expect(applied).toContain(name);

    const again = await run(process.execPath, [bin, 'migrate'], { env: envFor(url), cwd: root });
    expect(again.stdout).toContain('nothing to migrate');

    const port = await freePort();
    const child = spawn(process.execPath, [bin, 'serve', '--no-migrate'], { env: envFor(url, port), cwd: root, stdio: 'ignore' });
    try {
      await expect
        .poll(
          async () => {
            if (child.exitCode !== null) return `exited ${child.exitCode}`;
            return fetch(`http://127.0.0.1:${port}/ready`).then(
              (response) => response.status,
              () => 'not listening',
            );
          },
          { timeout: 60_000, interval: 200 },
        )
        .toBe(200);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }, 120_000);
});
