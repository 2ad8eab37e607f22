/**
 * Converts what a driver returns for an integer (number, bigint, a numeric string such as
 * PostgreSQL's SUM(bigint) → numeric, or NULL from SUM over no rows → 0) into a JS number,
 * refusing values that would lose precision.
 * Money is micro-USD, so 2^53 micro-USD (about 9 billion USD) is far beyond any balance we keep;
 * past it we fail loudly rather than round silently.
 */
export function toSafeInteger(value: unknown, what = 'integer'): number {
  if (value === null || value === undefined) return 0;
  const number = typeof value === 'number' ? value : typeof value === 'bigint' || typeof value === 'string' ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number)) {
    throw new RangeError(`Database returned ${what} '${String(value)}', which is not a safe integer`);
  }
  return number;
}
