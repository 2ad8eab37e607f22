import type { GenerationWarning } from '../domain/image-request.js';
import { formatUsd } from '../domain/money.js';

/**
 * The warning a generation carries when what it really cost is above what was held for it: the
 * client is charged the hold (the quote it agreed to), and the record says by how much the
 * upstream's bill went beyond it, so the operator can fix the price estimate.
 */
export function settleAboveHoldWarnings(costMicros: number, reservedMicros: number): GenerationWarning[] {
  if (costMicros <= reservedMicros) return [];
  return [
    {
      type: 'other',
      message: `The upstream cost $${formatUsd(costMicros, 6)}, more than the $${formatUsd(reservedMicros, 6)} held for this request; only the amount held was charged.`,
    },
  ];
}
