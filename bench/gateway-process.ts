import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOOPBACK_HOST, requestOnce } from './load-client.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SERVER_ENTRY = path.join(ROOT, 'dist', 'bundle', 'main.js');
const CLI_ENTRY = path.join(ROOT, 'bin', 'imagerouter.js');
const START_TIMEOUT_MS = 30_000;
const ADMIN_KEY_BYTES = 24;
const HEALTH_POLL_INTERVAL_MS = 100;
/** The gateway drains in-flight requests on SIGTERM; past this it is killed. */
const STOP_TIMEOUT_MS = 10_000;
/** Lines of the child's output kept for error messages. */
const OUTPUT_LINES_KEPT = 40;
/** Variables of the parent that would point the child at another database, config or URL. */
const INHERITED_CONFIG_PATTERN = /^(IMAGEROUTER_|DATABASE_URL$|PUBLIC_URL$|PORT$|HOST$|LOG_LEVEL$)/;

export interface GatewayProcess {
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The environment the gateway runs with (and the CLI must use to reach the same database). */
  env: NodeJS.ProcessEnv;
  /** Creates an unlimited API key with the real CLI (`imagerouter keys create`). */
  createKey(name: string): Promise<string>;
  /** Of the child process (for CPU accounting); `undefined` only if it failed to spawn. */
  pid: number | undefined;
  /** The last lines the gateway printed (warnings and errors at LOG_LEVEL=warn). */
  recentOutput(): string;
  /** SIGTERM, wait for exit (SIGKILL after a grace period), delete the data dir. Idempotent. */
  stop(): Promise<void>;
}

export interface GatewayProcessOptions {
  /** Extra variables, e.g. `IMAGEROUTER_CONFIG` for a fake upstream. */
  env?: Readonly<Record<string, string>>;
  /** Run with `node --cpu-prof`, the profile written here when the gateway exits. */
  cpuProfileDir?: string;
  /** Node options before the server file, e.g. an `--import` that reports on the process. */
  nodeArgs?: readonly string[];
  /** Another build's server file (a copy of `dist/bundle`), to compare two builds side by side. */
  serverEntry?: string;
}

/** Gateways still running: killed and their data dirs removed however the bench process exits. */
const running = new Set<{ child: ChildProcess; dataDir: string }>();
process.on('exit', () => {
  for (const { child, dataDir } of running) {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/**
 * Starts the built gateway (`node dist/bundle/main.js`) in a child process over a fresh temp data dir
 * (SQLite), listening on a free port of 127.0.0.1, and resolves once `/health` answers. A child
 * process keeps the server off the load client's event loop and CPU accounting, as in production.
 */
export async function startGatewayProcess(options: GatewayProcessOptions = {}): Promise<GatewayProcess> {
  const serverEntry = options.serverEntry ?? SERVER_ENTRY;
  if (!existsSync(serverEntry))
    throw new Error(`${path.relative(ROOT, serverEntry)} is missing: run \`npm run build\` (\`npm run bench\` does)`);
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'imagerouter-bench-'));
  const url = `http://${LOOPBACK_HOST}:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !INHERITED_CONFIG_PATTERN.test(name))),
    PORT: String(port),
    HOST: LOOPBACK_HOST,
    IMAGEROUTER_DATA_DIR: dataDir,
    // Hosted image URLs must name the loopback address the load client is allowed to use.
    PUBLIC_URL: url,
    LOG_LEVEL: 'warn',
    // A throwaway admin key, so a first start does not print the banner of a newly created one.
    IMAGEROUTER_ADMIN_KEY: randomBytes(ADMIN_KEY_BYTES).toString('base64url'),
    ...options.env,
  };

  const profile = options.cpuProfileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`];
  const child = spawn(process.execPath, [...profile, ...(options.nodeArgs ?? []), serverEntry], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const entry = { child, dataDir };
  running.add(entry);
  const output: string[] = [];
  const keep = (chunk: Buffer): void => {
    output.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((line) => line.trim() !== ''),
    );
    output.splice(0, Math.max(0, output.length - OUTPUT_LINES_KEPT));
  };
  // Always drained: a full pipe would block the gateway.
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (error) => {
      output.push(`spawn failed: ${error.message}`);
      resolve();
    });
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      running.delete(entry);
      await rm(dataDir, { recursive: true, force: true });
    })());

  const gateway: GatewayProcess = {
    port,
    url,
    env,
    createKey: (name) => createKeyWithCli(env, name),
    pid: child.pid,
    recentOutput: () => output.join('\n'),
    stop,
  };
  try {
    await waitForHealth(port, child);
  } catch (error) {
    await stop();
    throw new Error(`the gateway did not start: ${error instanceof Error ? error.message : String(error)}\n${output.join('\n')}`);
  }
  return gateway;
}

/** A port that was free a moment ago (the kernel picks it; the gateway binds it right after). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, LOOPBACK_HOST);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

async function waitForHealth(port: number, child: ChildProcess): Promise<void> {
  const giveUpAt = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`it exited (${child.exitCode ?? child.signalCode})`);
    try {
      const response = await requestOnce(port, { method: 'GET', path: '/health' }, HEALTH_POLL_INTERVAL_MS * 10);
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > giveUpAt) throw new Error(`/health did not answer 200 within ${START_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, HEALTH_POLL_INTERVAL_MS));
  }
}

/** `imagerouter keys create --name <name>` prints the key alone on its last stdout line. */
async function createKeyWithCli(env: NodeJS.ProcessEnv, name: string): Promise<string> {
  const child = spawn(process.execPath, [CLI_ENTRY, 'keys', 'create', '--name', name], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number | null];
  const key = stdout.trim().split('\n').at(-1)?.trim() ?? '';
  if (code !== 0 || !/^\S{16,}$/.test(key)) throw new Error(`imagerouter keys create failed (exit ${code}): ${stderr.trim()}`);
  return key;
}
