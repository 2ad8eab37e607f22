import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin', 'imagerouter.js');

export interface GatewayReplica {
  readonly name: string;
  readonly url: string;
  readonly process: ChildProcess;
  /** What the process wrote to stderr and stdout so far (for failure messages). */
  output(): string;
  /** SIGKILL: the replica dies mid-work, as under the OOM killer. */
  kill(): Promise<void>;
  /** SIGTERM, then wait for the exit. */
  stop(): Promise<void>;
}

export interface GatewayReplicas {
  readonly replicas: GatewayReplica[];
  stopAll(): Promise<void>;
}

/**
 * N real `imagerouter serve` processes on one shared configuration (a database URL, Redis, storage),
 * each on its own port of 127.0.0.1 with its own data dir: replicas behind a load balancer, minus the
 * balancer (tests pick the replica). Ready when each answers `/ready` with 200.
 */
export async function startGatewayReplicas(count: number, sharedEnv: Record<string, string>): Promise<GatewayReplicas> {
  const replicas: GatewayReplica[] = [];
  const dataDirs: string[] = [];
  try {
    for (let index = 0; index < count; index += 1) {
      const dataDir = await mkdtemp(path.join(tmpdir(), `imagerouter-replica-${index}-`));
      dataDirs.push(dataDir);
      replicas.push(await startReplica(`replica-${String.fromCharCode(97 + index)}`, dataDir, sharedEnv));
    }
  } catch (error) {
    await Promise.allSettled(replicas.map((replica) => replica.kill()));
    await Promise.allSettled(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
    throw error;
  }
  return {
    replicas,
    async stopAll() {
      await Promise.allSettled(replicas.map((replica) => replica.stop()));
      await Promise.allSettled(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}

async function startReplica(name: string, dataDir: string, sharedEnv: Record<string, string>): Promise<GatewayReplica> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [bin, 'serve'], {
    cwd: root,
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      IMAGEROUTER_DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: url,
      ...sharedEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const replica: GatewayReplica = {
    name,
    url,
    process: child,
    output: () => output,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  for (let attempt = 0; ; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${output}`);
    const status = await fetch(`${url}/ready`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return replica;
    // A cold build or a busy CI machine: give it a minute before calling it a failure.
    if (attempt > 600) {
      await replica.kill();
      throw new Error(`${name} did not become ready: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
