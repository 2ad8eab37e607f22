import { readFileSync } from 'node:fs';

/**
 * Minor page faults of a process so far (`minflt`, field 10 of /proc/<pid>/stat): each is a page
 * of memory the process touched for the first time since it was mapped, which the kernel had to
 * find, zero and map, and on a VM whose host took freed memory back, back afresh (docs/performance.md,
 * "Memory on a VM"). `undefined` without Linux's /proc or once the process is gone.
 */
export function minorPageFaults(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    return minorFaultsFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** `minflt` of one /proc/<pid>/stat line; `undefined` when the line is not one. */
export function minorFaultsFromStat(stat: string): number | undefined {
  const afterName = stat.lastIndexOf(') ');
  if (afterName < 0) return undefined;
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  // `fields[0]` is then field 3, so minflt (10) sits at 7.
  const field = stat.slice(afterName + 2).split(' ')[7];
  if (field === undefined || !/^\d+$/.test(field)) return undefined;
  return Number(field);
}
