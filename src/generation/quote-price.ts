import { gpuMillisecondsMicros, type PricingMicros } from '../catalog/pricing-micros.js';
import type { ProviderResult } from '../providers/provider.js';
import type { ImageSize, Quality } from '../domain/image-request.js';

export interface PriceContext {
  size: ImageSize | 'auto';
  quality: Quality;
}

function tableRowMatches(row: { size: string; quality: string }, context: PriceContext): boolean {
  const sizeText = context.size === 'auto' ? 'auto' : `${context.size.width}x${context.size.height}`;
  return (row.size === '*' || row.size === sizeText) && (row.quality === '*' || row.quality === context.quality);
}

/** What one image may cost at most: the amount reserved before the call. */
export function estimateImageMicros(pricing: PricingMicros, context: PriceContext): number {
  switch (pricing.type) {
    case 'fixed':
      return pricing.valueMicros;
    case 'table': {
      const row = pricing.rows.find((candidate) => tableRowMatches(candidate, context));
      // No matching row: reserve the dearest so the estimate is never too low.
      return row ? row.valueMicros : Math.max(...pricing.rows.map((candidate) => candidate.valueMicros));
    }
    case 'tokens':
    case 'upstream':
    case 'gpu_seconds':
      return pricing.estimateMicros;
  }
}

/**
 * What one provider call's delivered images cost: the price per image for `fixed` and `table`;
 * for `tokens` and `upstream`, what the upstream reports (its estimate when it reports nothing);
 * for `gpu_seconds`, the measured GPU time at the rate (the estimate when nothing was measured).
 */
export function actualCostMicros(pricing: PricingMicros, context: PriceContext, result: ProviderResult, delivered: number): number {
  switch (pricing.type) {
    case 'fixed':
    case 'table':
      return estimateImageMicros(pricing, context) * delivered;
    case 'tokens': {
      const usage = result.usage;
      if (!usage) return pricing.estimateMicros * delivered;
      // A price per million tokens in micro-USD is micro-micro-USD per token: divide once, round up.
      const perMillion =
        (usage.inputTextTokens ?? 0) * pricing.inputTextPerMillionMicros +
        (usage.inputImageTokens ?? 0) * pricing.inputImagePerMillionMicros +
        (usage.outputImageTokens ?? 0) * pricing.outputImagePerMillionMicros +
        (usage.outputTextTokens ?? 0) * pricing.outputTextPerMillionMicros;
      return Math.ceil(perMillion / 1_000_000);
    }
    case 'upstream':
      return result.reportedCostMicros ?? pricing.estimateMicros * delivered;
    case 'gpu_seconds': {
      if (result.gpuSeconds === undefined) return pricing.estimateMicros * delivered;
      // The job's time is shared by the images it made; extra ones the client does not get are not billed.
      const share = result.images.length > 0 ? delivered / result.images.length : 1;
      return gpuMillisecondsMicros(Math.round(result.gpuSeconds * 1000 * share), pricing.perKilosecondMicros);
    }
  }
}
