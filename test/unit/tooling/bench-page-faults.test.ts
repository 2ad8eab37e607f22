import { describe, expect, it } from 'vitest';
import { minorFaultsFromStat, minorPageFaults } from '../../../bench/page-faults.js';

const MIB = 1024 * 1024;
const onLinux = process.platform === 'linux';
if (!onLinux) console.warn(`${process.platform}, not Linux: skipping the page-fault count of a live process (it reads /proc)`);

describe("the bench's page fault counter", () => {
  it('reads minflt after the last parenthesis, whatever the command name holds', () => {
    const line = (name: string) => `4242 (${name}) S 1 4242 4242 0 -1 4194560 987654 12 3 0 150 40 0 0 20 0 11 0 5000 1000000 2000\n`;
    expect(minorFaultsFromStat(line('node'))).toBe(987_654);
    expect(minorFaultsFromStat(line('MainThread) R (x'))).toBe(987_654);
    expect(minorFaultsFromStat(line('a b c'))).toBe(987_654);
    expect(minorFaultsFromStat('4242 (node) S 1 4242')).toBeUndefined();
    expect(minorFaultsFromStat('')).toBeUndefined();
    expect(minorFaultsFromStat('4242 (node) S 1 4242 4242 0 -1 4194560 many 12')).toBeUndefined();
  });

  it('says nothing for a process that is not there', () => {
    expect(minorPageFaults(undefined)).toBeUndefined();
    // Above Linux's pid_max (4,194,304 at most): no such process can exist.
    expect(minorPageFaults(9_999_999)).toBeUndefined();
  });

  it.skipIf(!onLinux)('counts the pages a process touches for the first time (Linux /proc)', () => {
    const before = minorPageFaults(process.pid);
    expect(before).toBeGreaterThan(0);
    // 32 MiB touched once: 8,192 faults of 4 KiB pages, or 16 where transparent huge pages map 2 MiB at a time.
    const memory = Buffer.allocUnsafeSlow(32 * MIB);
    memory.fill(1);
    const after = minorPageFaults(process.pid)!;
    expect(after - before!).toBeGreaterThanOrEqual(16);
    expect(memory[memory.length - 1]).toBe(1);
  });
});
