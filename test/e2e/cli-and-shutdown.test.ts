import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin', 'imagerouter.js');

async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('server did not become healthy');
}

/** The bin as a user runs it: `imagerouter keys create`, `imagerouter serve`, SIGTERM. */
describe('imagerouter CLI', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let url: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'imagerouter-cli-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    env = {
      ...process.env,
      IMAGEROUTER_DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: url,
      LOG_LEVEL: 'info',
      DATABASE_URL: '',
    };
    delete env['IMAGEROUTER_ADMIN_KEY'];
  }, 120_000);
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keys create prints the key alone on the last line of stdout', async () => {
    const { stdout, stderr } = await run(process.execPath, [bin, 'keys', 'create', '--name', 'dev', '--credits', '2.5'], {
      env,
      cwd: root,
    });
    const lines = stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^sk-ir-[A-Za-z0-9]{58}$/);
    expect(stderr).toContain("key 'dev'");
    const list = await run(process.execPath, [bin, 'keys', 'list'], { env, cwd: root });
    expect(list.stdout).toContain('dev');
    expect(list.stdout).toContain('$2.5000');
    expect(list.stdout).not.toContain(lines.at(-1));
  }, 120_000);

  it('rejects a bad --credits value with a message naming it', async () => {
    await expect(run(process.execPath, [bin, 'keys', 'create', '--credits', 'lots'], { env, cwd: root })).rejects.toMatchObject({
      stderr: expect.stringContaining('--credits'),
    });
  }, 60_000);

  it('refuses to start with a bad variable, naming it', async () => {
    await expect(run(process.execPath, [bin, 'serve'], { env: { ...env, PORT: 'eighty' }, cwd: root })).rejects.toMatchObject({
      stderr: expect.stringContaining('PORT'),
    });
  }, 60_000);

  it('serves, prints the first admin key once, keeps secrets out of logs, and drains on SIGTERM', async () => {
    const { stdout: created } = await run(process.execPath, [bin, 'keys', 'create', '--name', 'app'], { env, cwd: root });
    const key = created.trimEnd().split('\n').at(-1) ?? '';
    const child = spawn(process.execPath, [bin, 'serve'], { env, cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitForHealth(url, child);
      const adminKeys = output.match(/sk-ir-[A-Za-z0-9]{58}/g) ?? [];
      expect(adminKeys).toHaveLength(1);

      const generation = fetch(`${url}/v1/openai/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'test/test',
          prompt: '[[delay:1500]] a slow lighthouse',
          response_format: 'b64_json',
          size: '64x64',
        }),
      });
      await new Promise((resolve) => setTimeout(resolve, 400));
      child.kill('SIGTERM');
      const response = await generation;
      expect(response.status).toBe(200);
      const body = (await response.json()) as { data: Array<{ b64_json: string }> };
      expect(Buffer.from(body.data[0]!.b64_json, 'base64').subarray(0, 4).toString('latin1')).toBe('RIFF');
      expect(await exited).toBe(0);
      expect(output).not.toContain(key);
      expect(output).not.toContain(body.data[0]!.b64_json.slice(0, 64));
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }

    // A second start creates no new admin key.
    const again = spawn(process.execPath, [bin, 'serve'], { env, cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let againOutput = '';
    again.stdout?.on('data', (chunk: Buffer) => (againOutput += chunk.toString()));
    try {
      await waitForHealth(url, again);
      expect(againOutput).not.toMatch(/sk-ir-/);
    } finally {
      again.kill('SIGTERM');
    }
    expect((await readdir(path.join(dataDir, 'images'))).length).toBe(1);
  }, 120_000);

  // The server caches key lookups on SQLite; the CLI is another process on the same file.
  it('a key revoked with `imagerouter keys revoke` while the server runs is refused on its next request', async () => {
    const { stdout: created } = await run(process.execPath, [bin, 'keys', 'create', '--name', 'to-revoke'], { env, cwd: root });
    const key = created.trimEnd().split('\n').at(-1) ?? '';
    // Its own port: the server of the test before may still be draining on the shared one.
    const port = await freePort();
    const own = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, [bin, 'serve'], {
      env: { ...env, PORT: String(port), PUBLIC_URL: own },
      cwd: root,
      stdio: 'ignore',
    });
    const generate = () =>
      fetch(`${own}/v1/openai/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'test/test', prompt: 'a lighthouse', response_format: 'b64_ephemeral', size: '64x64' }),
      });
    try {
      await waitForHealth(own, child);
      // Twice: the second is answered from the cached lookup.
      expect((await generate()).status).toBe(200);
      expect((await generate()).status).toBe(200);
      const { stdout: listed } = await run(process.execPath, [bin, 'keys', 'list', '--json'], { env, cwd: root });
      const id = (JSON.parse(listed) as { data: Array<{ id: string; name: string }> }).data.find((entry) => entry.name === 'to-revoke')?.id;
      expect(id).toBeDefined();
      await run(process.execPath, [bin, 'keys', 'revoke', id!], { env, cwd: root });
      const refused = await generate();
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({ error: { message: 'Invalid API key' } });
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }, 120_000);
});
