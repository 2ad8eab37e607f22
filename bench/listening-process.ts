import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface ListeningProcess {
  port: number;
  /** The numbers the script printed after its port on the `listening` line. */
  details: number[];
  pid: number | undefined;
  stop(): void;
}

/**
 * Runs a bench helper script (`bench/<script>.ts` through tsx) in its own process and resolves
 * once it prints `listening <port> [numbers…]`. Killed however the bench process exits.
 */
export async function startListeningProcess(script: string, args: readonly string[] = []): Promise<ListeningProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', script), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const kill = (): void => {
    child.kill('SIGKILL');
  };
  process.on('exit', kill);
  const line = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('\n')) resolve(output.split('\n')[0]!.trim());
    });
    child.once('exit', (code) => reject(new Error(`bench/${script} exited with ${code} before listening`)));
  });
  const [word, port, ...details] = line.split(' ');
  if (word !== 'listening' || !port) throw new Error(`bench/${script} printed '${line}' instead of 'listening <port>'`);
  return {
    port: Number(port),
    details: details.map(Number),
    pid: child.pid,
    stop: () => {
      process.off('exit', kill);
      child.kill('SIGTERM');
    },
  };
}
