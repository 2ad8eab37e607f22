/** Summaries of benchmark samples and their rendering as markdown; pure functions, no I/O. */

const NANOSECONDS_PER_MILLISECOND = 1e6;
const NANOSECONDS_PER_SECOND = 1e9;

export interface LatencySummary {
  /** Number of samples. */
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile (`p` in 0-100) of ascending values: always one of the samples. */
export function percentile(sortedAscending: readonly number[], p: number): number {
  if (sortedAscending.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sortedAscending.length);
  const index = Math.min(sortedAscending.length - 1, Math.max(0, rank - 1));
  return sortedAscending[index] ?? Number.NaN;
}

/** Mean, p50, p90, p99 and max of samples in any unit (NaN everywhere when there are none). */
export function summarize(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((left, right) => left - right);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    count: sorted.length,
    mean: sorted.length === 0 ? Number.NaN : total / sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] ?? Number.NaN),
  };
}

/** Difference of two `process.hrtime.bigint()` readings in milliseconds. */
export function elapsedMs(startNs: bigint, endNs: bigint): number {
  return Number(endNs - startNs) / NANOSECONDS_PER_MILLISECOND;
}

/** Completions per second over a window measured in nanoseconds. */
export function requestsPerSecond(completed: number, windowNs: bigint): number {
  return windowNs > 0n ? completed / (Number(windowNs) / NANOSECONDS_PER_SECOND) : Number.NaN;
}

/** Milliseconds with as many decimals as matter at their scale: 0.412, 3.21, 48.7, 1234. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 1) return ms.toFixed(3);
  if (ms < 10) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  return ms.toFixed(0);
}

/** A rate such as requests/s: one decimal below 100, whole numbers above. */
export function formatRate(rate: number): string {
  if (!Number.isFinite(rate)) return '–';
  return rate < 100 ? rate.toFixed(1) : rate.toFixed(0);
}

/** A number with fixed decimals, or a dash when it could not be measured. */
export function formatFixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

/** An integer with thousands separators (`1,048,576`), so byte counts read at a glance. */
export function formatInteger(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return Math.round(value).toLocaleString('en-US');
}

/** Bytes as KiB with one decimal (response sizes). */
export function formatKiB(bytes: number): string {
  if (!Number.isFinite(bytes)) return '–';
  return (bytes / 1024).toFixed(1);
}

export type ColumnAlignment = 'left' | 'right';

export interface TableColumn {
  title: string;
  /** Numbers read best right-aligned; default left. */
  align?: ColumnAlignment;
}

/**
 * A GitHub-flavoured markdown table whose cells are padded to equal widths, so it reads as well in
 * a terminal as rendered. Pipes inside cells are escaped.
 */
export function markdownTable(columns: readonly TableColumn[], rows: readonly (readonly string[])[]): string {
  const escape = (cell: string): string => cell.replace(/\|/g, '\\|');
  const cells = rows.map((row) => columns.map((_, index) => escape(row[index] ?? '')));
  const titles = columns.map((column) => escape(column.title));
  const widths = columns.map((_, index) => Math.max(3, titles[index]?.length ?? 0, ...cells.map((row) => row[index]?.length ?? 0)));
  const pad = (cell: string, index: number): string => {
    const width = widths[index] ?? cell.length;
    return columns[index]?.align === 'right' ? cell.padStart(width) : cell.padEnd(width);
  };
  const line = (row: readonly string[]): string => `| ${row.map(pad).join(' | ')} |`;
  const rule = `| ${widths.map((width, index) => (columns[index]?.align === 'right' ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width))).join(' | ')} |`;
  return [line(titles), rule, ...cells.map(line)].join('\n');
}
