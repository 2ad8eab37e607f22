import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { halfMask, noisyImage } from '../fixtures/images/make-test-images.js';
import { forEachDatabase } from '../helpers/test-databases.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin', 'imagerouter.js');

interface BinResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The bin as a user runs it, so the exit codes are the process's own. */
function runBin(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<BinResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env, cwd, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `imagerouter generate | edit | models` over real HTTP from a child process, to a gateway on each database. */
forEachDatabase((harness) => {
  describe('imagerouter generate, edit and models (the bin)', () => {
    let gateway: TestGateway;
    let cwd: string;
    let env: NodeJS.ProcessEnv;

    beforeAll(async () => {
      gateway = await startTestGateway({ DATABASE_URL: await harness.createEmptyDatabase() });
      cwd = await mkdtemp(path.join(tmpdir(), 'imagerouter-cli-bin-'));
      await writeFile(path.join(cwd, 'first.png'), await noisyImage('png', 96, 64));
      await writeFile(path.join(cwd, 'second.webp'), await noisyImage('webp', 64, 64));
      await writeFile(path.join(cwd, 'mask.png'), await halfMask(96, 64, 48));
      env = { ...process.env, IMAGEROUTER_URL: gateway.url, IMAGEROUTER_API_KEY: gateway.key };
      // Build once (the bin builds when sources are newer) so each test measures only its own run.
      await runBin(['--help'], env, cwd);
    }, 180_000);
    afterAll(async () => {
      await gateway?.close();
      await rm(cwd, { recursive: true, force: true });
    });

    it('generates, prints the path, and exits 0', async () => {
      const result = await runBin(['generate', 'a lighthouse', '-m', 'test/test', '-s', '128x64', '-o', 'light.jpeg'], env, cwd);
      expect(result, result.stderr).toMatchObject({ code: 0, stdout: 'light.jpeg\n' });
      expect(result.stderr).toMatch(/^generating with test\/test…\ncost \$0\.0000 · latency \d+ ms · id /);
      expect(await sharp(path.join(cwd, 'light.jpeg')).metadata()).toMatchObject({ format: 'jpeg', width: 128, height: 64 });
    }, 120_000);

    it('edits two files with a mask and prints JSON', async () => {
      const result = await runBin(
        [
          'edit',
          'paint it',
          '-m',
          'test/test',
          '-i',
          'first.png',
          '-i',
          'second.webp',
          '--mask',
          'mask.png',
          '-s',
          '96x64',
          '-o',
          'out',
          '--json',
        ],
        env,
        cwd,
      );
      expect(result.code, result.stderr).toBe(0);
      const body = JSON.parse(result.stdout);
      expect(body.files).toEqual([path.join(cwd, 'out', `${body.id}-1.webp`)]);
      expect(await sharp(body.files[0]).metadata()).toMatchObject({ format: 'webp', width: 96, height: 64 });
    }, 120_000);

    it('lists models', async () => {
      const result = await runBin(['models', '--search', 'test/test'], env, cwd);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/\ntest\/test +test +\$0\.0000 +yes +yes +yes +yes\n/);
    }, 120_000);

    it('exits 3 for a gateway error, printing its message, type, code and param', async () => {
      const result = await runBin(['generate', 'a fox', '-m', 'test/test', '-s', '12x12'], env, cwd);
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(
        /imagerouter: the gateway answered 400: .*\(type invalid_request_error(, code [a-z_]+)?, param size\)\n$/,
      );
    }, 120_000);

    it('exits 4 when the gateway cannot be reached', async () => {
      const server = http.createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      await new Promise((resolve) => server.close(resolve));
      const result = await runBin(['generate', 'a fox', '-m', 'test/test', '--url', `http://127.0.0.1:${port}`], env, cwd);
      expect(result.code).toBe(4);
      expect(result.stderr).toContain(`imagerouter: cannot reach the gateway at http://127.0.0.1:${port}: `);
    }, 120_000);

    it('exits 2 for usage errors: no key, a missing file, commander’s own', async () => {
      const noKey = { ...env };
      delete noKey['IMAGEROUTER_API_KEY'];
      expect(await runBin(['generate', 'a fox', '-m', 'test/test'], noKey, cwd)).toMatchObject({
        code: 2,
        stderr: 'imagerouter: no API key: pass --key or set IMAGEROUTER_API_KEY\n',
      });
      expect((await runBin(['edit', 'x', '-m', 'test/test', '-i', 'nope.png'], env, cwd)).code).toBe(2);
      const missingModel = await runBin(['generate', 'a fox'], env, cwd);
      expect(missingModel.code).toBe(2);
      expect(missingModel.stderr).toContain("required option '-m, --model <id>' not specified");
      expect((await runBin(['generate', 'a fox', '-m', 'test/test', '--bogus'], env, cwd)).code).toBe(2);
      expect((await runBin(['generate', '--help'], env, cwd)).code).toBe(0);
    }, 120_000);
  });
});
