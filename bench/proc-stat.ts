import { readFileSync } from 'node:fs';

/** Linux counts CPU time in USER_HZ ticks: 100 per second on every mainstream architecture. */
const PROC_TICKS_PER_SECOND = 100;
export const MS_PER_TICK = 1000 / PROC_TICKS_PER_SECOND;

/** What the bench reads of a process from /proc/<pid>/stat. */
export interface ProcStat {
  /** utime + stime (fields 14 and 15), every thread. */
  cpuMs: number;
  /**
   * Minor page faults so far (`minflt`, field 10): each a page of memory the process touched for
   * the first time since it was mapped, which the kernel had to find, zero and map, and on a VM
   * whose host took freed memory back, back afresh (docs/performance.md, "Memory on a VM").
   */
  minorFaults: number;
}

/** A process's counters; `undefined` without Linux's /proc or once the process is gone. */
export function readProcStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The counters of one /proc/<pid>/stat line; `undefined` when the line is not one. */
export function parseProcStat(stat: string): ProcStat | undefined {
  const afterName = stat.lastIndexOf(') ');
  if (afterName < 0) return undefined;
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  // `fields[0]` is then field 3, so minflt (10) sits at 7, utime (14) and stime (15) at 11 and 12.
  const fields = stat.slice(afterName + 2).split(' ');
  const [minflt, utime, stime] = [fields[7], fields[11], fields[12]].map((field) =>
    field !== undefined && /^\d+$/.test(field) ? Number(field) : undefined,
  );
  if (minflt === undefined || utime === undefined || stime === undefined) return undefined;
  return { cpuMs: (utime + stime) * MS_PER_TICK, minorFaults: minflt };
}
