/** The contract of one benchmark scenario: `bench/run.ts` runs a list of these. */

/** Requests in flight while a path is prewarmed (`BenchSettings.prewarmMs`). */
export const PREWARM_CONCURRENCY = 4;

/** Knobs shared by every scenario, set from the command line. */
export interface BenchSettings {
  /** Unmeasured load before each measured load level. */
  warmupMs: number;
  /**
   * Unmeasured load at `PREWARM_CONCURRENCY` on each path of `overhead` before its first level: the
   * gateway's p50 at c=1 kept falling for its first minute of load (JIT tiers, heap sizing), which a
   * 1 s warmup measured as the gateway's cost. Every path gets the same, yardsticks included.
   */
  prewarmMs: number;
  /** Longest measurement window of one load level. */
  durationMs: number;
  /** Whether `--duration` was given (a scenario with its own default length, e.g. the soak, keeps that otherwise). */
  durationExplicit: boolean;
  /** Most completed requests in one load level's window. */
  maxRequests: number;
  /** Measured iterations of a micro-benchmark (per variant). */
  iterations: number;
  /** Only these load levels (concurrencies) in the load scenarios; `undefined` → each scenario's own. */
  concurrencyLevels?: readonly number[];
  /** Start gateway processes with `--cpu-prof` writing here (a V8 `.cpuprofile` per process, at its exit). */
  cpuProfileDir?: string;
}

export interface Scenario {
  /** What to type to run only this one: `npm run bench -- <name>`. */
  name: string;
  /** Heading of its section in the report. */
  title: string;
  /** Runs only when named (it takes minutes), not in `npm run bench` alone. */
  explicitOnly?: boolean;
  /** Runs it and returns its section's body as markdown (tables and notes, without the heading). */
  run(settings: BenchSettings, progress: (message: string) => void): Promise<string>;
}
