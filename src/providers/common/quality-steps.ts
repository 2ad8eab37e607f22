import type { Quality } from '../../domain/image-request.js';

/** Step counts a route gives the common quality tiers, for upstreams whose quality knob is the number of steps. */
export type QualitySteps = Partial<Record<'low' | 'medium' | 'high', number>>;

/**
 * The step count for a requested tier, or `undefined` when the route has none for it. Tiers above
 * `high` (`xhigh`, `max`) get `high`'s count: the most a step-based upstream was configured to give.
 */
export function stepsForQuality(steps: QualitySteps | undefined, quality: Quality): number | undefined {
  if (!steps || quality === 'auto') return undefined;
  if (quality === 'low' || quality === 'medium' || quality === 'high') return steps[quality];
  return quality === 'xhigh' || quality === 'max' ? steps.high : undefined;
}
