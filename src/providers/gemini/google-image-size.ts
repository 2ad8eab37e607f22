import type { GenerationWarning, ImageSize } from '../../domain/image-request.js';
import { formatSize, nearestAspectRatio } from '../common/size-mapping.js';

/**
 * Google's image models take no pixel size: they take an aspect ratio and (some of them) a
 * resolution tier, and return a fixed size per pair. The documented rule that maps a client's
 * `WIDTHxHEIGHT` onto them (shared by Gemini and Imagen):
 *
 * 1. aspect ratio: the allowed ratio nearest to width/height on a log scale (2:1 and 1:2 are
 *    equally far from 1:1);
 * 2. tier: the allowed tier whose nominal square (512², 1024², 2048², 4096²) is nearest in area,
 *    again on a log scale; a tie goes to the larger tier;
 * 3. when the result is not exactly the requested size, an `adapted` warning names what was sent
 *    and, when Google documents it, the size that comes back.
 */

/** What a model accepts and returns. */
export interface GoogleSizeProfile {
  /** Aspect ratios the model accepts, e.g. `16:9`. */
  aspectRatios: ReadonlyArray<string>;
  /** Resolution tiers the model accepts (`512`, `1K`, `2K`, `4K`); empty when it takes none (one fixed tier). */
  tiers: ReadonlyArray<string>;
  /** The documented output size for a ratio and tier (`undefined` tier for fixed-tier models), when known. */
  outputSize(aspectRatio: string, tier: string | undefined): ImageSize | undefined;
}

/** Where a requested size landed. */
export interface GoogleSizeChoice {
  aspectRatio: string;
  /** `undefined` for models that take no tier. */
  tier: string | undefined;
  /** What Google documents the model returns for this ratio and tier, when known. */
  outputSize: ImageSize | undefined;
  /** The requested size is exactly a documented output size. */
  exact: boolean;
}

/** Nominal edge of a square image per tier. */
export const TIER_EDGES: Readonly<Record<string, number>> = { '512': 512, '1K': 1024, '2K': 2048, '4K': 4096 };

/** Ties (equal distances on the log scale) are decided by this margin, not by float noise. */
const TIE_EPSILON = 1e-9;

export function chooseGoogleImageSize(requested: ImageSize, profile: GoogleSizeProfile): GoogleSizeChoice {
  const aspectRatio = nearestAspectRatio(requested, profile.aspectRatios);
  const tier = nearestTier(requested, profile.tiers);
  const outputSize = profile.outputSize(aspectRatio, tier);
  const exact = outputSize !== undefined && outputSize.width === requested.width && outputSize.height === requested.height;
  return { aspectRatio, tier, outputSize, exact };
}

/** The `adapted` warning for a size that is not exactly a documented output size; `undefined` when it is. */
export function adaptedSizeWarning(
  provider: string,
  model: string,
  requested: ImageSize,
  choice: GoogleSizeChoice,
): GenerationWarning | undefined {
  if (choice.exact) return undefined;
  const sent = choice.tier === undefined ? `aspect ratio ${choice.aspectRatio}` : `aspect ratio ${choice.aspectRatio} at ${choice.tier}`;
  const result = choice.outputSize ? `, which it returns as ${formatSize(choice.outputSize)}` : '; the model picks the exact pixel size';
  return {
    type: 'adapted',
    setting: 'size',
    provider,
    message: `'${model}' takes no pixel size: ${formatSize(requested)} was sent as the nearest ${sent}${result}.`,
  };
}

function nearestTier(requested: ImageSize, tiers: ReadonlyArray<string>): string | undefined {
  const known = tiers.filter((tier) => TIER_EDGES[tier] !== undefined).sort((a, b) => TIER_EDGES[a]! - TIER_EDGES[b]!);
  const area = requested.width * requested.height;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const tier of known) {
    const edge = TIER_EDGES[tier]!;
    const distance = Math.abs(Math.log((edge * edge) / area));
    // Ascending order and `<=`: on a tie the larger tier wins, so nobody gets fewer pixels than halfway.
    if (distance <= bestDistance + TIE_EPSILON) {
      best = tier;
      bestDistance = distance;
    }
  }
  return best;
}
