import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { machineDetails, memoryHandedBackLine } from '../../../bench/machine.js';
import { newFileWriteCostMsPerMiB } from '../../../bench/new-file-write-cost.js';
import { bytesReportedToHost } from '../../../bench/page-reporting.js';

const MIB = 1024 * 1024;

describe("the bench's memory warmth", () => {
  it('times writing new files, and cleans up after itself', () => {
    const leftovers = () => readdirSync(tmpdir()).filter((name) => name.startsWith('imagerouter-bench-write-'));
    const before = leftovers();
    const cost = newFileWriteCostMsPerMiB();
    expect(Number.isFinite(cost)).toBe(true);
    expect(cost).toBeGreaterThan(0);
    expect(leftovers()).toEqual(before);
  });

  it("reads the kernel's counter in KiB as bytes, and nothing from a missing or garbled one", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'imagerouter-page-reporting-'));
    try {
      const counter = (text: string) => {
        const file = path.join(dir, 'reported_kib');
        writeFileSync(file, text);
        return bytesReportedToHost(file);
      };
      expect(counter('54105332\n')).toBe(54_105_332 * 1024);
      expect(counter('0\n')).toBe(0);
      expect(counter('')).toBeUndefined();
      expect(counter('Y\n')).toBeUndefined();
      expect(bytesReportedToHost(path.join(dir, 'absent'))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says in the machine details what new files cost and whether the host takes memory back', () => {
    const reporting = machineDetails({ newFileWriteMsPerMiB: 1.8, reportedToHostBytes: 3 * 1024 * MIB });
    expect(reporting).toContain('writing new files took 1.80 ms per MiB as the run started');
    expect(reporting).toContain('free page reporting: on, 3.0 GiB handed back');
    const plain = machineDetails({ newFileWriteMsPerMiB: 0.15, reportedToHostBytes: undefined });
    expect(plain).toContain('0.15 ms per MiB as the run started');
    expect(plain).not.toContain('free page reporting');
  });

  it('closes the report with the memory the host took back during the run', () => {
    expect(memoryHandedBackLine(51 * 1024 * MIB, 53.5 * 1024 * MIB)).toBe(
      'Free memory handed back to the host during the run (free page reporting): 2.5 GiB.',
    );
  });
});
