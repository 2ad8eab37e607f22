import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

const BYTES_PER_GIB = 1024 ** 3;
const CHUNK_BYTES = 256 * 1024 * 1024;
/** What the touch leaves for everything else at its peak: the child exits right after. */
const HEADROOM_BYTES = BYTES_PER_GIB;

// Allocates `argv[1]` bytes in chunks, writes every byte, then exits, which frees them all.
const TOUCH_SCRIPT = `
const total = Number(process.argv[1]);
const chunks = [];
for (let done = 0; done < total; done += ${CHUNK_BYTES}) {
  chunks.push(Buffer.allocUnsafeSlow(Math.min(${CHUNK_BYTES}, total - done)).fill(1));
}
process.stdout.write(String(chunks.length));
`;

export interface TouchedMemory {
  readonly bytes: number;
  readonly seconds: number;
}

/**
 * Writes to `gib` GiB of memory (at most what is available, less 1 GiB) in a child process that
 * then exits. On a VM that backs guest memory lazily (a snapshot-restored Firecracker guest, like
 * the bench machine), the first touch of each page costs the host a fault; the pages freed here
 * stay backed, so the files and heaps the benchmarks create afterwards get warm pages, as on a host
 * that has been up a while. `--touch-memory` (bench/run.ts) calls it before any scenario.
 */
export async function touchMemory(gib: number): Promise<TouchedMemory> {
  const bytes = bytesToTouch(gib, availableBytes());
  const startedAt = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', TOUCH_SCRIPT, String(bytes)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`touching ${bytes} bytes of memory failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
    });
  });
  return { bytes, seconds: Number(process.hrtime.bigint() - startedAt) / 1e9 };
}

/** `gib` in bytes, but never more than `available` less the headroom. */
export function bytesToTouch(gib: number, available: number): number {
  return Math.max(0, Math.min(Math.round(gib * BYTES_PER_GIB), available - HEADROOM_BYTES));
}

/** Linux's MemAvailable (free plus what the page cache would give back); elsewhere, free memory. */
function availableBytes(): number {
  try {
    const match = /^MemAvailable:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (match?.[1] !== undefined) return Number(match[1]) * 1024;
  } catch {
    // Not Linux.
  }
  return os.freemem();
}
