import { readFileSync } from 'node:fs';
import { MS_PER_TICK, readProcStat } from './proc-stat.js';
import { elapsedMs } from './stats.js';

const MICROSECONDS_PER_MILLISECOND = 1000;

/** CPU counters at one instant. Machine and gateway counters need Linux's /proc (else `undefined`). */
export interface CpuSnapshot {
  atNs: bigint;
  /** This process (the load client), all threads. */
  clientMs: number;
  /** The gateway child process, all threads (event loop, libuv pool, libvips); 0 without one. */
  gatewayMs: number | undefined;
  /** The gateway child process's minor page faults so far (`ProcStat`); 0 without one. */
  gatewayMinorFaults: number | undefined;
  /** Every CPU of the machine, busy time including time stolen by the hypervisor. */
  machineBusyMs: number | undefined;
}

/** Where the CPU went between two snapshots, in ms of CPU time. */
export interface CpuUsage {
  wallMs: number;
  clientMs: number;
  gatewayMs: number;
  /** Minor page faults of the gateway process in between (NaN when unknown). */
  gatewayMinorFaults: number;
  /** Busy time of anything else on the machine (other processes, steal): the run was not alone when this is high. */
  otherMs: number;
}

/** `gatewayPid` of the gateway child process, if the scenario runs one. */
export function cpuSnapshot(gatewayPid?: number): CpuSnapshot {
  const own = process.cpuUsage();
  const gateway = gatewayPid === undefined ? { cpuMs: 0, minorFaults: 0 } : readProcStat(gatewayPid);
  return {
    atNs: process.hrtime.bigint(),
    clientMs: (own.user + own.system) / MICROSECONDS_PER_MILLISECOND,
    gatewayMs: gateway?.cpuMs,
    gatewayMinorFaults: gateway?.minorFaults,
    machineBusyMs: machineBusyMs(),
  };
}

/** Cores that everything but this process and the gateway kept busy on average: ~0 on a quiet machine. */
export function otherCores(usage: CpuUsage): number {
  return usage.wallMs > 0 ? usage.otherMs / usage.wallMs : Number.NaN;
}

/** A sentence for a scenario's notes that says whether it ran alone. */
export function otherLoadNote(usage: CpuUsage): string {
  const cores = otherCores(usage);
  return Number.isFinite(cores)
    ? `Other load on the machine meanwhile: ${cores.toFixed(2)} cores on average (0 = the benchmark ran alone).`
    : 'Other load on the machine: unknown (needs Linux /proc).';
}

export function cpuUsageBetween(before: CpuSnapshot, after: CpuSnapshot): CpuUsage {
  const clientMs = after.clientMs - before.clientMs;
  const between = (from: number | undefined, to: number | undefined) => (from === undefined || to === undefined ? Number.NaN : to - from);
  const gatewayMs = between(before.gatewayMs, after.gatewayMs);
  const machineMs = between(before.machineBusyMs, after.machineBusyMs);
  return {
    wallMs: elapsedMs(before.atNs, after.atNs),
    clientMs,
    gatewayMs,
    gatewayMinorFaults: between(before.gatewayMinorFaults, after.gatewayMinorFaults),
    // Tick granularity (10 ms per CPU) can make a quiet machine look slightly negative.
    otherMs: Math.max(0, machineMs - clientMs - gatewayMs),
  };
}

/** The `cpu` line of /proc/stat: user nice system idle iowait irq softirq steal …; busy is all but idle and iowait. */
function machineBusyMs(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    if (!line.startsWith('cpu ')) return undefined;
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
    const ticks = user + nice + system + irq + softirq + steal;
    return Number.isFinite(ticks) ? ticks * MS_PER_TICK : undefined;
  } catch {
    return undefined;
  }
}
