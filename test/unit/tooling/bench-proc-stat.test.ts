import { describe, expect, it } from 'vitest';
import { parseProcStat, readProcStat } from '../../../bench/proc-stat.js';

const MIB = 1024 * 1024;
const onLinux = process.platform === 'linux';
if (!onLinux) console.warn(`${process.platform}, not Linux: skipping the /proc counters of a live process`);

describe("the bench's /proc/<pid>/stat reader", () => {
  it('reads minflt, utime and stime after the last parenthesis, whatever the command name holds', () => {
    const line = (name: string) => `4242 (${name}) S 1 4242 4242 0 -1 4194560 987654 12 3 0 150 40 0 0 20 0 11 0 5000 1000000 2000\n`;
    for (const name of ['node', 'MainThread) R (x', 'a b c'])
      expect(parseProcStat(line(name)), name).toEqual({ minorFaults: 987_654, cpuMs: (150 + 40) * 10 });
    expect(parseProcStat('4242 (node) S 1 4242')).toBeUndefined();
    expect(parseProcStat('')).toBeUndefined();
    expect(parseProcStat('4242 (node) S 1 4242 4242 0 -1 4194560 many 12 3 0 150 40')).toBeUndefined();
    expect(parseProcStat('4242 (node) S 1 4242 4242 0 -1 4194560 987654 12 3 0 150')).toBeUndefined();
  });

  it('says nothing for a process that is not there', () => {
    // Above Linux's pid_max (4,194,304 at most): no such process can exist.
    expect(readProcStat(9_999_999)).toBeUndefined();
  });

  it.skipIf(!onLinux)('counts the pages a process touches for the first time (Linux /proc)', () => {
    const before = readProcStat(process.pid)!;
    expect(before.minorFaults).toBeGreaterThan(0);
    // 32 MiB touched once: 8,192 faults of 4 KiB pages, or 16 where transparent huge pages map 2 MiB at a time.
    const memory = Buffer.allocUnsafeSlow(32 * MIB);
    memory.fill(1);
    const after = readProcStat(process.pid)!;
    expect(after.minorFaults - before.minorFaults).toBeGreaterThanOrEqual(16);
    expect(after.cpuMs).toBeGreaterThanOrEqual(before.cpuMs);
    expect(memory[memory.length - 1]).toBe(1);
  });
});
