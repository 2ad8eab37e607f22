/**
 * `coldstart`: how long `npm start` (`node bin/imagerouter.js serve`, the bundled server) takes from spawn to `/health` answering
 * 200 on SQLite with the built catalog: on a fresh data directory (database created and migrated,
 * admin key created, as a first start on a laptop) and again on that same directory (a restart).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './gateway-process.js';
import { LOOPBACK_HOST, requestOnce } from './load-client.js';
import type { Scenario } from './scenario.js';
import { formatMs, markdownTable, summarize } from './stats.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** What `npm start` runs, without npm's own start-up (~0.2 s of npm, not of the gateway). */
const START_COMMAND = [path.join(ROOT, 'bin', 'imagerouter.js'), 'serve'];
const ROUNDS = 10;
/** Polled this often: the figure is at most this much late. */
const POLL_INTERVAL_MS = 5;
const START_TIMEOUT_MS = 30_000;
/** Variables of the parent that would configure the child: a first start sees none of them. */
const CONFIG_PATTERN = /^(IMAGEROUTER_|DATABASE_URL$|PUBLIC_URL$|PORT$|HOST$|LOG_LEVEL$|REDIS_URL$|S3_)/;

export const coldStartScenario: Scenario = {
  name: 'coldstart',
  title: 'Cold start: `node bin/imagerouter.js serve` to `/health`',
  async run(_settings, progress) {
    const fresh: number[] = [];
    const restart: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      progress(`start ${round + 1}/${ROUNDS} …`);
      const dataDir = mkdtempSync(path.join(tmpdir(), 'imagerouter-coldstart-'));
      try {
        fresh.push(await timeStart(dataDir));
        restart.push(await timeStart(dataDir));
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
    const row = (label: string, times: number[]) => {
      const stats = summarize(times);
      return [label, String(times.length), formatMs(Math.min(...times)), formatMs(stats.p50), formatMs(stats.mean), formatMs(stats.max)];
    };
    return [
      `\`node bin/imagerouter.js serve\` (what \`npm start\` runs) spawned with only \`PORT\`, \`HOST=127.0.0.1\` and \`IMAGEROUTER_DATA_DIR\` set (SQLite, local ` +
        `storage, the catalog as built), timed from spawn to the first 200 of \`GET /health\`, polled every ${POLL_INTERVAL_MS} ms. ` +
        `\`first start\`: an empty data directory (database created, migrated, admin key created and printed); \`restart\`: ` +
        `the same directory right after. ${ROUNDS} rounds, one process at a time.`,
      '',
      markdownTable(
        [
          { title: 'start' },
          { title: 'starts', align: 'right' },
          { title: 'min ms', align: 'right' },
          { title: 'p50 ms', align: 'right' },
          { title: 'mean ms', align: 'right' },
          { title: 'max ms', align: 'right' },
        ],
        [row('first start (empty data dir)', fresh), row('restart (same data dir)', restart)],
      ),
      '',
      `Goal (hot-path issue): ≤ 1000 ms to \`/health\` on SQLite with the built catalog. First start p50: **${formatMs(summarize(fresh).p50)} ms**.`,
    ].join('\n');
  },
};

async function timeStart(dataDir: string): Promise<number> {
  const port = await freePort();
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !CONFIG_PATTERN.test(name))),
    PORT: String(port),
    HOST: LOOPBACK_HOST,
    IMAGEROUTER_DATA_DIR: dataDir,
  };
  const startedAt = process.hrtime.bigint();
  const child = spawn(process.execPath, START_COMMAND, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  try {
    await waitForHealth(port, child);
    return Number(process.hrtime.bigint() - startedAt) / 1e6;
  } catch (error) {
    throw new Error(`the gateway did not start: ${error instanceof Error ? error.message : String(error)}\n${stderr}`);
  } finally {
    await stop(child);
  }
}

async function waitForHealth(port: number, child: ChildProcess): Promise<void> {
  const giveUpAt = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`it exited (${child.exitCode ?? child.signalCode})`);
    const status = await requestOnce(port, { method: 'GET', path: '/health' }, 1000).then(
      (response) => response.status,
      () => 0, // Not listening yet.
    );
    if (status === 200) return;
    if (Date.now() > giveUpAt) throw new Error(`/health did not answer 200 within ${START_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
