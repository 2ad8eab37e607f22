import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/**
 * Redis for tests: the server of TEST_REDIS_URL (default 127.0.0.1:6379), each test under a key
 * prefix of its own (removed afterwards), and throwaway `redis-server` processes for tests that
 * stop Redis mid-run (never the shared one).
 *
 * Redis unreachable or `redis-server` missing: with CI=true the importing test file fails;
 * otherwise those tests are skipped and the reason is printed once.
 */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL?.trim() || 'redis://127.0.0.1:6379';

const redisProblem = await probeRedis(TEST_REDIS_URL);
const serverProblem = spawnSync('redis-server', ['--version']).error?.message;
requireInCi(redisProblem, `Redis at ${TEST_REDIS_URL} is unreachable (${redisProblem})`, 'Set TEST_REDIS_URL or start Redis.');
requireInCi(serverProblem, `redis-server cannot be started (${serverProblem})`, 'Install redis-server.');

/** Whether tests against the shared Redis run in this process. */
export const redisAvailable = redisProblem === undefined;
/** Whether tests may start (and stop) a Redis server of their own. */
export const redisServerAvailable = serverProblem === undefined;

/** `ir-test:<random>:`, so parallel test files never see each other's keys. */
export function uniqueRedisPrefix(): string {
  return `ir-test:${Date.now().toString(36)}${randomBytes(4).toString('hex')}:`;
}

/** Deletes every key under `prefix` on `url`. */
export async function removeRedisKeys(prefix: string, url = TEST_REDIS_URL): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/** A `redis-server` child on a free port without persistence: stop and start it again on the same port. */
export interface OwnRedisServer {
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startOwnRedisServer(): Promise<OwnRedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const server: OwnRedisServer = {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      const started = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        stdio: 'ignore',
      });
      child = started;
      for (;;) {
        if (started.exitCode !== null) throw new Error(`redis-server on port ${port} exited with ${started.exitCode}`);
        if ((await probeRedis(server.url)) === undefined) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      const running = child;
      child = undefined;
      if (running === undefined || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
  };
  await server.start();
  return server;
}

function requireInCi(problem: string | undefined, message: string, fix: string): void {
  if (problem === undefined) return;
  if (process.env.CI === 'true') throw new Error(`${message}; CI requires it. ${fix}`);
  const warned = globalThis as { imagerouterRedisWarned?: Set<string> };
  warned.imagerouterRedisWarned ??= new Set();
  if (warned.imagerouterRedisWarned.has(message)) return;
  warned.imagerouterRedisWarned.add(message);
  console.warn(`${message}: skipping the tests that need it. ${fix}`);
}

async function probeRedis(url: string): Promise<string | undefined> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    client.disconnect();
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
