/** USD for people: cents precision when large, up to 6 decimals when tiny. */
export function formatUsd(usd: number | null | undefined): string {
  if (usd === null || usd === undefined) return '–';
  if (usd === 0) return '$0';
  const decimals = Math.abs(usd) >= 1 ? 2 : Math.abs(usd) >= 0.01 ? 4 : 6;
  return `$${usd.toFixed(decimals)}`;
}

export function formatMicros(micros: number | null | undefined): string {
  return micros === null || micros === undefined ? '–' : formatUsd(micros / 1_000_000);
}

/** A local date-time from epoch ms or ISO text. */
export function formatTime(value: number | string | null | undefined): string {
  if (value === null || value === undefined) return '–';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
