import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { elapsedMs, summarize } from './stats.js';

const FILE_BYTES = 2 * 1024 * 1024;
const FILES = 32;
const BYTES_PER_MIB = 1024 * 1024;

/**
 * Time, in ms per MiB, that writing brand-new files takes here: the kernel's share of the gateway's
 * `url` path (every image is a new file). On a VM whose balloon reports free pages to
 * the host (the bench machine, a Firecracker guest), memory the guest frees is taken back within
 * minutes, and a page touched again costs the host a fault, about 14 µs per 4 KiB there; new files
 * take free pages, so this read 0.17-1.80 ms/MiB on that machine within one minute, depending on
 * which pages the kernel handed out (2026-12-05, docs/performance.md). The median of 32 files, in
 * the temp dir the gateway's data dir uses. Wall clock, not system time: a host's fault shows as a
 * stalled vCPU, and tick-based CPU accounting misses calls this short.
 */
export function newFileWriteCostMsPerMiB(): number {
  const dir = mkdtempSync(path.join(tmpdir(), 'imagerouter-bench-write-'));
  try {
    const body = Buffer.alloc(FILE_BYTES, 0x5a);
    const costs: number[] = [];
    for (let index = 0; index < FILES; index += 1) {
      const startedAt = process.hrtime.bigint();
      writeFileSync(path.join(dir, `file-${index}`), body);
      costs.push(elapsedMs(startedAt, process.hrtime.bigint()) / (FILE_BYTES / BYTES_PER_MIB));
    }
    return summarize(costs).p50;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
