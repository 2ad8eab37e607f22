import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './gateway-process.js';
import { requestOnce } from './load-client.js';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
/** Pinned in `bench/package.json` and its lockfile; the root `npm ci` never installs it. */
const PACKAGE = '@portkey-ai/gateway';
const ENTRY = path.join(BENCH_DIR, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js');
const START_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 200;

export interface PortkeyGateway {
  port: number;
  version: string;
  pid: number | undefined;
  /** Headers that make Portkey call the OpenAI-compatible upstream at `baseUrl` (with `/v1`). */
  headersFor(baseUrl: string): Record<string, string>;
  stop(): void;
}

export type PortkeyStart = { ok: true; gateway: PortkeyGateway } | { ok: false; reason: string };

/**
 * Portkey's open-source gateway from npm (its `build/start-server.js`, a Hono server on Node), on a
 * free loopback port. Installed into `bench/node_modules` on first use (`npm ci --prefix bench`,
 * scripts off). Never throws: when it cannot be installed or started, `reason` says why, and the
 * benchmark prints that instead of its rows.
 */
export async function startPortkeyGateway(progress: (message: string) => void): Promise<PortkeyStart> {
  if (!existsSync(ENTRY)) {
    progress(`${PACKAGE} is not installed: running npm ci --prefix bench (once; bench/node_modules) …`);
    const install = spawnSync('npm', ['ci', '--prefix', BENCH_DIR, '--ignore-scripts', '--no-audit', '--no-fund'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (install.status !== 0 || !existsSync(ENTRY)) {
      const detail = (install.stderr || install.error?.message || '').trim().split('\n').slice(-3).join(' ');
      return { ok: false, reason: `npm ci --prefix bench failed (exit ${install.status ?? 'none'}): ${detail}` };
    }
  }
  const version = installedVersion();
  const port = await freePort();
  const child = spawn(process.execPath, [ENTRY, `--port=${port}`, '--headless'], {
    cwd: BENCH_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const kill = (): void => {
    child.kill('SIGKILL');
  };
  process.on('exit', kill);
  const output: string[] = [];
  const keep = (chunk: Buffer): void => {
    output.push(chunk.toString('utf8'));
    output.splice(0, Math.max(0, output.length - 20));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const stop = (): void => {
    process.off('exit', kill);
    child.kill('SIGTERM');
  };
  const giveUpAt = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      return {
        ok: false,
        reason: `${PACKAGE} ${version} exited (${child.exitCode ?? child.signalCode}): ${output.join('').trim().slice(-300)}`,
      };
    }
    try {
      await requestOnce(port, { method: 'GET', path: '/' }, POLL_INTERVAL_MS * 10);
      break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > giveUpAt) {
      stop();
      return { ok: false, reason: `${PACKAGE} ${version} did not answer on port ${port} within ${START_TIMEOUT_MS} ms` };
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  return {
    ok: true,
    gateway: {
      port,
      version,
      pid: child.pid,
      // Portkey's documented way to reach a self-hosted OpenAI-compatible server: provider `openai`
      // and a custom host that includes the version path; the Bearer key is passed through.
      headersFor: (baseUrl) => ({ 'x-portkey-provider': 'openai', 'x-portkey-custom-host': baseUrl }),
      stop,
    },
  };
}

function installedVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(path.join(path.dirname(ENTRY), '..', 'package.json'), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : 'unknown version';
  } catch {
    return 'unknown version';
  }
}
