import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { machineDetails } from '../../../bench/machine.js';
import { newFileWriteCostMsPerMiB } from '../../../bench/new-file-write-cost.js';
import { bytesReportedToHost } from '../../../bench/page-reporting.js';
import { bytesToTouch, touchMemory } from '../../../bench/touch-memory.js';

const MIB = 1024 * 1024;

describe("the bench's memory warmth", () => {
  it('touches the memory asked for in a child process that exits', async () => {
    const touched = await touchMemory(48 / 1024);
    expect(touched.bytes).toBe(48 * MIB);
    expect(touched.seconds).toBeGreaterThan(0);
  });

  it('never asks for more than is available, less 1 GiB', () => {
    expect(bytesToTouch(2, 8 * 1024 * MIB)).toBe(2 * 1024 * MIB);
    expect(bytesToTouch(20, 8 * 1024 * MIB)).toBe(7 * 1024 * MIB);
    expect(bytesToTouch(1, 512 * MIB)).toBe(0);
  });

  it('times writing new files, and cleans up after itself', () => {
    const leftovers = () => readdirSync(tmpdir()).filter((name) => name.startsWith('imagerouter-bench-write-'));
    const before = leftovers();
    const cost = newFileWriteCostMsPerMiB();
    expect(Number.isFinite(cost)).toBe(true);
    expect(cost).toBeGreaterThan(0);
    expect(leftovers()).toEqual(before);
  });

  it('reads the host counter where the kernel has one', () => {
    const reported = bytesReportedToHost();
    if (reported !== undefined) expect(reported).toBeGreaterThanOrEqual(0);
  });

  it('says in the machine details what was touched and whether new files paid for reclaimed pages', () => {
    const cold = machineDetails({ newFileWriteMsPerMiB: 1.8, reportedToHostBytes: 3 * 1024 * MIB });
    expect(cold).toContain('not touched first');
    expect(cold).toContain('1.80 ms per MiB: above 0.6');
    expect(cold).toContain('free page reporting: on, 3.0 GiB');
    const warm = machineDetails({
      touched: { bytes: 2 * 1024 * MIB, seconds: 7.5 },
      newFileWriteMsPerMiB: 0.15,
      reportedToHostBytes: undefined,
    });
    expect(warm).toContain('touched first: 2.0 GiB in 7.5 s');
    expect(warm).toContain('0.15 ms per MiB');
    expect(warm).not.toContain('above 0.6');
    expect(warm).not.toContain('free page reporting');
  });
});
