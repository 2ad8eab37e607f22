import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getGeneration } from '../../../src/accounts/generation-repository.js';
import { CliExitError } from '../../../src/cli/cli-exit-error.js';
import { registerEditCommand } from '../../../src/cli/edit-command.js';
import { registerGenerateCommand } from '../../../src/cli/generate-command.js';
import { registerModelsCommand } from '../../../src/cli/models-command.js';
import type { RemoteCliIo } from '../../../src/cli/remote-cli-io.js';
import { halfMask, noisyImage } from '../../fixtures/images/make-test-images.js';
import { PRICED_TEST_MODEL_YAML, writeOperatorConfig } from '../../helpers/gateway-client.js';
import { forEachDatabase } from '../../helpers/test-databases.js';
import { startTestGateway, type TestGateway } from '../../helpers/test-gateway.js';

interface Run {
  stdout: string;
  stderr: string;
  /** 0, or the exit code of the CliExitError the command threw. */
  exitCode: number;
  error?: CliExitError;
}

/** A port nothing listens on: bound once, then closed. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `imagerouter generate | edit | models` in process, against a listening gateway on each database. */
forEachDatabase((harness) => {
  describe('generate, edit and models against a running gateway', () => {
    let gateway: TestGateway;
    let workDir: string;
    let cwd: string;
    let imageServer: http.Server;
    let imageServerUrl: string;
    let firstInput: Buffer;
    let secondInput: Buffer;

    beforeAll(async () => {
      workDir = await mkdtemp(path.join(tmpdir(), 'imagerouter-cli-remote-'));
      gateway = await startTestGateway({
        DATABASE_URL: await harness.createEmptyDatabase(),
        IMAGEROUTER_CONFIG: await writeOperatorConfig(workDir, PRICED_TEST_MODEL_YAML),
        IMAGEROUTER_URL_ALLOWLIST: '127.0.0.1',
      });
      firstInput = await noisyImage('png', 96, 64);
      secondInput = await noisyImage('jpeg', 48, 48);
      imageServer = http.createServer((request, response) => {
        if (request.url === '/second.jpg') response.writeHead(200, { 'content-type': 'image/jpeg' }).end(secondInput);
        else response.writeHead(404).end();
      });
      await new Promise<void>((resolve) => imageServer.listen(0, '127.0.0.1', resolve));
      imageServerUrl = `http://127.0.0.1:${(imageServer.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await gateway?.close();
      await new Promise((resolve) => imageServer?.close(resolve));
      await rm(workDir, { recursive: true, force: true });
    });
    beforeEach(async () => {
      cwd = await mkdtemp(path.join(workDir, 'cwd-'));
      await writeFile(path.join(cwd, 'first.png'), firstInput);
      await writeFile(path.join(cwd, 'second.jpg'), secondInput);
      await writeFile(path.join(cwd, 'mask.png'), await halfMask(96, 64, 48));
    });

    const run = async (args: string[], options: { env?: NodeJS.ProcessEnv; tty?: boolean } = {}): Promise<Run> => {
      const stdout: string[] = [];
      const stderr: string[] = [];
      const io: RemoteCliIo = {
        env: options.env ?? { IMAGEROUTER_URL: gateway.url, IMAGEROUTER_API_KEY: gateway.key },
        stdout: { write: (text: string) => stdout.push(text) },
        stderr: { write: (text: string) => stderr.push(text), isTTY: options.tty ?? false },
        cwd: () => cwd,
      };
      const program = new Command().exitOverride();
      registerGenerateCommand(program, io);
      registerEditCommand(program, io);
      registerModelsCommand(program, io);
      try {
        await program.parseAsync(['node', 'imagerouter', ...args]);
        return { stdout: stdout.join(''), stderr: stderr.join(''), exitCode: 0 };
      } catch (error) {
        if (!(error instanceof CliExitError)) throw error;
        return { stdout: stdout.join(''), stderr: stderr.join(''), exitCode: error.exitCode, error };
      }
    };
    const metadata = async (file: string) => sharp(file).metadata();

    it('generates into the working directory by default, named <generation-id>-<index>', async () => {
      const result = await run(['generate', 'a red fox', '-m', 'test/test', '-s', '96x64']);
      expect(result.exitCode, result.stderr).toBe(0);
      const files = await readdir(cwd);
      const written = files.filter((name) => name.endsWith('.webp'));
      expect(written).toHaveLength(1);
      const [id] = written[0]!.split('-1.webp');
      expect(await getGeneration(gateway.context.database.db, id!)).toMatchObject({ status: 'success' });
      expect(result.stdout).toBe(`${written[0]}\n`);
      expect(await metadata(path.join(cwd, written[0]!))).toMatchObject({ format: 'webp', width: 96, height: 64 });
      expect(result.stderr).toBe(
        `generating with test/test…\ncost $0.0100 · latency ${/latency (\d+) ms/.exec(result.stderr)?.[1]} ms · id ${id}\n`,
      );
    });

    it('writes -o FILE as given, its extension choosing the format, and numbers several images', async () => {
      const one = await run(['generate', 'a fox', '-m', 'test/test', '-s', '64x64', '-o', 'out/fox.png']);
      expect(one.exitCode, one.stderr).toBe(0);
      expect(one.stdout).toBe(`${path.join('out', 'fox.png')}\n`);
      expect(await metadata(path.join(cwd, 'out', 'fox.png'))).toMatchObject({ format: 'png', width: 64, height: 64 });

      const two = await run(['generate', 'two foxes', '-m', 'test/test', '-s', '64x96', '-n', '2', '-o', 'pair.jpg']);
      expect(two.exitCode, two.stderr).toBe(0);
      expect(two.stdout).toBe('pair-1.jpg\npair-2.jpg\n');
      for (const name of ['pair-1.jpg', 'pair-2.jpg']) {
        expect(await metadata(path.join(cwd, name))).toMatchObject({ format: 'jpeg', width: 64, height: 96 });
      }
    });

    it('writes -o DIR (created when missing) with -f, and --json prints the response without base64 plus the files', async () => {
      const result = await run(['generate', 'foxes', '-m', 'test/test', '-s', '64x64', '-n', '2', '-f', 'png', '-o', 'shots', '--json']);
      expect(result.exitCode, result.stderr).toBe(0);
      const body = JSON.parse(result.stdout);
      expect(body).toMatchObject({ cost: 0.02, data: [{ revised_prompt: null }, { revised_prompt: null }] });
      expect(result.stdout).not.toContain('b64_json');
      expect(body.files).toEqual([path.join(cwd, 'shots', `${body.id}-1.png`), path.join(cwd, 'shots', `${body.id}-2.png`)]);
      for (const file of body.files) expect(await metadata(file)).toMatchObject({ format: 'png', width: 64, height: 64 });
      expect(result.stdout.trim().split('\n')).toHaveLength(1);
    });

    it('edits two input images from disk with a mask', async () => {
      const result = await run(
        ['edit', 'flowers on the right', '-m', 'test/test', '-i', 'first.png', '-i', 'second.jpg', '--mask', 'mask.png'].concat([
          '-s',
          '96x64',
          '-o',
          'edited.png',
          '--json',
        ]),
      );
      expect(result.exitCode, result.stderr).toBe(0);
      const body = JSON.parse(result.stdout);
      expect(body.files).toEqual([path.join(cwd, 'edited.png')]);
      expect(await metadata(path.join(cwd, 'edited.png'))).toMatchObject({ format: 'png', width: 96, height: 64 });
      const record = await getGeneration(gateway.context.database.db, body.id);
      expect(record).toMatchObject({ status: 'success', inputImageCount: 2 });
      // The mask keeps the left half: those pixels are the first input's.
      const edited = await sharp(path.join(cwd, 'edited.png')).removeAlpha().raw().toBuffer();
      const original = await sharp(firstInput).removeAlpha().raw().toBuffer();
      expect(edited.subarray(0, 3 * 10)).toEqual(original.subarray(0, 3 * 10));
    });

    it('mixes files and URLs in one edit, in order', async () => {
      const result = await run(['edit', 'mixed', '-m', 'test/test', '-i', 'first.png', '-i', `${imageServerUrl}/second.jpg`, '--json']);
      expect(result.exitCode, result.stderr).toBe(0);
      const body = JSON.parse(result.stdout);
      expect(await getGeneration(gateway.context.database.db, body.id)).toMatchObject({ status: 'success', inputImageCount: 2 });
      expect((await metadata(body.files[0])).format).toBe('webp');
    });

    it('lists models as a table, searched through the API', async () => {
      const result = await run(['models', '--search', 'test']);
      expect(result.exitCode, result.stderr).toBe(0);
      const lines = result.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^ID +PROVIDERS +PRICE\/IMAGE +EDIT +MASK +FREE +AVAILABLE$/);
      expect(lines.find((line) => line.startsWith('test/test '))).toMatch(/^test\/test +test +\$0\.0100 +yes +yes +no +yes$/);
      expect(lines.every((line) => line.split(/ +/)[0]!.includes('test') || line.startsWith('ID'))).toBe(true);
      const json = JSON.parse((await run(['models', '--search', 'test', '--json'], { env: { IMAGEROUTER_URL: gateway.url } })).stdout);
      expect(json['test/test']).toMatchObject({ supported_params: { edit: true, mask: true } });
    });

    it('exits 3 with the gateway error for an unknown model, and --json prints it on stdout', async () => {
      const result = await run(['generate', 'a fox', '-m', 'nobody/nothing', '-o', 'never.png', '--json']);
      expect(result.exitCode).toBe(3);
      expect(result.error?.message).toMatch(/^the gateway answered 404: .*nobody\/nothing.*\(type invalid_request_error.*param model\)$/);
      expect(JSON.parse(result.stdout)).toMatchObject({ status: 404, error: { param: 'model' } });
      expect(await readdir(cwd)).not.toContain('never.png');
    });

    it('exits 3 for a bad key, without echoing it', async () => {
      const result = await run(['generate', 'a fox', '-m', 'test/test'], {
        env: { IMAGEROUTER_URL: gateway.url, IMAGEROUTER_API_KEY: 'sk-ir-not-a-real-key' },
      });
      expect(result.exitCode).toBe(3);
      expect(result.error?.message).toContain('401');
      expect(`${result.error?.message}${result.stderr}`).not.toContain('sk-ir-not-a-real-key');
    });

    it('exits 4 when nothing listens at the URL', async () => {
      const url = `http://127.0.0.1:${await closedPort()}`;
      const result = await run(['generate', 'a fox', '-m', 'test/test', '--url', url, '--key', gateway.key]);
      expect(result.exitCode).toBe(4);
      expect(result.error?.message).toMatch(new RegExp(`^cannot reach the gateway at ${url}: .*ECONNREFUSED`));
      const models = await run(['models'], { env: { IMAGEROUTER_URL: url } });
      expect(models.exitCode).toBe(4);
    });

    it('exits 4 when the answer takes longer than --timeout', async () => {
      const result = await run(['generate', '[[delay:5000]] slow', '-m', 'test/test', '-s', '64x64', '--timeout', '0.3']);
      expect(result.exitCode).toBe(4);
      expect(result.error?.message).toContain('--timeout');
    });

    it('exits 2 for usage errors before sending anything', async () => {
      const noKey = await run(['generate', 'a fox', '-m', 'test/test'], { env: { IMAGEROUTER_URL: gateway.url } });
      expect(noKey).toMatchObject({ exitCode: 2, error: { message: 'no API key: pass --key or set IMAGEROUTER_API_KEY' } });
      const missingFile = await run(['edit', 'x', '-m', 'test/test', '-i', 'missing.png']);
      expect(missingFile).toMatchObject({ exitCode: 2, error: { message: "-i: cannot read 'missing.png': no such file" } });
      const noImage = await run(['edit', 'x', '-m', 'test/test']);
      expect(noImage.exitCode).toBe(2);
      expect((await run(['generate', 'x', '-m', 'test/test', '-n', 'two'])).error?.message).toBe(
        "-n must be a positive integer (got 'two')",
      );
      expect((await run(['generate', 'x', '-m', 'test/test', '-f', 'png', '-o', 'x.jpg'])).exitCode).toBe(2);
      expect((await run(['generate', 'x', '-m', 'test/test', '-f', 'bmp'])).exitCode).toBe(2);
      expect((await run(['models', '--url', 'ftp://example.com'])).exitCode).toBe(2);
    });

    it('reads answers after heartbeat whitespace: images are written, a late error exits 3 with its status', async () => {
      const slow = await startTestGateway({ DATABASE_URL: await harness.createEmptyDatabase(), IMAGEROUTER_HEARTBEAT_DELAY_MS: '100' });
      try {
        const env = { IMAGEROUTER_URL: slow.url, IMAGEROUTER_API_KEY: slow.key };
        const done = await run(['generate', '[[delay:700]] slow fox', '-m', 'test/test', '-s', '64x64', '-o', 'slow.png'], { env });
        expect(done.exitCode, done.stderr).toBe(0);
        expect(await metadata(path.join(cwd, 'slow.png'))).toMatchObject({ format: 'png', width: 64, height: 64 });
        const failed = await run(['generate', '[[delay:700]][[fail:400]] doomed', '-m', 'test/test', '-s', '64x64', '--json'], { env });
        expect(failed.exitCode).toBe(3);
        const body = JSON.parse(failed.stdout);
        expect(body.status).toBeGreaterThanOrEqual(400);
        expect(failed.error?.message).toContain(`the gateway answered ${body.status}: `);
      } finally {
        await slow.close();
      }
    });

    it('draws a spinner with elapsed seconds on a terminal and clears it before the summary', async () => {
      await mkdir(path.join(cwd, 'tty'));
      const result = await run(['generate', 'a fox', '-m', 'test/test', '-s', '64x64', '-o', 'tty'], { tty: true });
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/^\r⠋ generating with test\/test… 0s/);
      // eslint-disable-next-line no-control-regex
      expect(result.stderr).toMatch(/\r\u001b\[2Kcost \$0\.0100 · latency \d+ ms · id [0-9a-f-]+\n$/);
    });

    it('writes no control characters when stderr is not a terminal', async () => {
      const result = await run(['generate', 'a fox', '-m', 'test/test', '-s', '64x64']);
      expect(result.exitCode).toBe(0);
      // eslint-disable-next-line no-control-regex
      expect(result.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
      expect(result.stderr.split('\n')[0]).toBe('generating with test/test…');
    });
  });
});
