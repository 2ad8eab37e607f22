import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER_HEAP_GROWING_PERCENT } from '../src/cli/tune-server-heap.js';
import sharp from 'sharp';
import { formatInteger } from './stats.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BYTES_PER_GIB = 1024 ** 3;
/** libuv's default when `UV_THREADPOOL_SIZE` is not set; sharp and file I/O share this pool. */
const DEFAULT_UV_THREADPOOL_SIZE = 4;

/** The memory as the run found it (see new-file-write-cost.ts and page-reporting.ts). */
export interface MemoryWarmth {
  readonly newFileWriteMsPerMiB: number;
  /** Free memory handed back to the hypervisor since boot, where the kernel counts it. */
  readonly reportedToHostBytes: number | undefined;
}

/** What the numbers depend on, as markdown bullet lines: numbers without these mean little. */
export function machineDetails(warmth: MemoryWarmth, now: Date = new Date()): string {
  const cpus = os.cpus();
  const models = [...new Set(cpus.map((cpu) => cpu.model.trim()))].join(', ') || 'unknown';
  const threadpool = process.env['UV_THREADPOOL_SIZE'] ?? `${DEFAULT_UV_THREADPOOL_SIZE} (default)`;
  return [
    `- Date: ${now.toISOString()}`,
    `- CPU: ${models} × ${cpus.length} (os.availableParallelism() = ${os.availableParallelism()})`,
    `- Load average when the run started: ${os
      .loadavg()
      .map((load) => load.toFixed(2))
      .join(' / ')} (1 / 5 / 15 min)`,
    `- Memory: ${(os.totalmem() / BYTES_PER_GIB).toFixed(1)} GiB (${formatInteger(os.totalmem())} bytes)`,
    `- ${memoryWarmth(warmth)}`,
    `- OS: ${os.type()} ${os.release()} ${os.arch()}`,
    `- Node: ${process.version}; UV_THREADPOOL_SIZE: ${threadpool}; V8 heap growth: ${SERVER_HEAP_GROWING_PERCENT} % (the load client and the gateway, \`src/cli/tune-server-heap.ts\`)`,
    `- sharp: ${sharp.versions.sharp}; libvips: ${sharp.versions.vips}; sharp.concurrency(): ${sharp.concurrency()}`,
    `- Code: ${codeVersion()}`,
  ].join('\n');
}

function memoryWarmth({ newFileWriteMsPerMiB, reportedToHostBytes }: MemoryWarmth): string {
  const reporting =
    reportedToHostBytes === undefined
      ? ''
      : `; free page reporting: on, ${(reportedToHostBytes / BYTES_PER_GIB).toFixed(1)} GiB handed back to the host since boot, ` +
        'so memory freed during the run is taken back and costs a host fault when touched again (docs/performance.md)';
  return `Memory state: writing new files took ${newFileWriteMsPerMiB.toFixed(2)} ms per MiB as the run started${reporting}`;
}

/** The closing line of a report on a VM that reports free pages: memory the host took back during the run. */
export function memoryHandedBackLine(reportedAtStartBytes: number, reportedAtEndBytes: number): string {
  const gib = (reportedAtEndBytes - reportedAtStartBytes) / BYTES_PER_GIB;
  return `Free memory handed back to the host during the run (free page reporting): ${gib.toFixed(1)} GiB.`;
}

/**
 * The commit measured, and whether src/ differed from it: the gateway runs from the working tree.
 * Read-only git commands only.
 */
function codeVersion(): string {
  const git = (...args: string[]): string =>
    execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const commit = git('rev-parse', '--short', 'HEAD');
    let changed: boolean;
    try {
      git('diff', '--quiet', 'HEAD', '--', 'src');
      changed = git('ls-files', '--others', '--exclude-standard', '--', 'src') !== '';
    } catch {
      // `git diff --quiet` exits 1 when there are differences.
      changed = true;
    }
    return `commit ${commit}${changed ? ', with uncommitted changes in src/' : ', src/ as committed'}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}
