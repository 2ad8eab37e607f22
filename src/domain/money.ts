/** Micro-USD per USD: money inside the gateway is integer micro-USD. */
export const MICROS_PER_USD = 1_000_000;

/** USD decimals (YAML prices, CLI credits) become integer micro-USD once, at the edge. */
export function usdToMicros(usd: number): number {
  return Math.round(usd * MICROS_PER_USD);
}

/** For JSON responses only: the one place micro-USD become a float again. */
export function microsToUsd(micros: number): number {
  return micros / MICROS_PER_USD;
}
const MICRO_DECIMALS = 6;

/**
 * Micro-USD as a USD decimal string with exactly `decimals` places, e.g. `formatUsd(25_500_000, 4)`
 * → `"25.5000"`. Integer arithmetic only (no float `toFixed`, which rounds binary approximations);
 * rounds half away from zero, so `-1_234_550` → `"-1.2346"`; never prints `-0.0000`.
 */
export function formatUsd(micros: number, decimals: number): string {
  if (!Number.isSafeInteger(micros)) throw new RangeError(`formatUsd needs an integer number of micro-USD, got ${micros}`);
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 20)
    throw new RangeError(`formatUsd decimals must be 0..20, got ${decimals}`);
  const magnitude = Math.abs(micros);
  const kept = Math.min(decimals, MICRO_DECIMALS);
  const divisor = 10 ** (MICRO_DECIMALS - kept);
  let units = Math.floor(magnitude / divisor);
  if ((magnitude % divisor) * 2 >= divisor) units += 1;
  const scale = 10 ** kept;
  const whole = Math.floor(units / scale);
  const fraction = (units % scale).toString().padStart(kept, '0') + '0'.repeat(decimals - kept);
  const sign = micros < 0 && units > 0 ? '-' : '';
  return decimals === 0 ? `${sign}${whole}` : `${sign}${whole}.${fraction}`;
}
