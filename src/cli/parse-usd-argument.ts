import { usdToMicros } from '../domain/money.js';

/** A positive (or, with `allowZero`, non-negative) USD amount typed by a person (`10`, `2.50`, up to micro-USD) → micro-USD. */
export function parseUsdArgument(text: string, what: string, options: { allowZero?: boolean } = {}): number {
  const trimmed = text.trim();
  const micros = /^\d+(\.\d{1,6})?$/.test(trimmed) ? usdToMicros(Number(trimmed)) : Number.NaN;
  const lowest = options.allowZero ? 0 : 1;
  if (!Number.isSafeInteger(micros) || micros < lowest) {
    throw new Error(`${what} must be a ${options.allowZero ? 'non-negative' : 'positive'} amount in USD, e.g. 10 or 2.50 (got '${text}')`);
  }
  return micros;
}
