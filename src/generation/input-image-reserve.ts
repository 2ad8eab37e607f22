import type { PricingMicros } from '../catalog/pricing-micros.js';

/** The size of an image sent upstream, as decoded. */
interface SentImage {
  width: number;
  height: number;
}

/*
 * Input image tokens, an upper bound of how OpenAI bills them. Vision input
 * (https://platform.openai.com/docs/guides/images-vision#calculating-costs): fit within 2048×2048,
 * then shortest side at most 768 px, 85 tokens plus 170 per 512-px tile. GPT Image 1 counts less
 * (shortest side 512 px, 65 + 129 per tile) but adds, with high input fidelity, 4,096 tokens for a
 * square image and 6,144 for any other (OpenAI's image-generation guide, as quoted at
 * https://community.openai.com/t/image-generation-high-fidelity-editing/1317649, checked
 * 2026-12-04). We take the larger base and tiles and always add the larger fidelity figure: this is
 * a hold, the settle charges what the upstream's `usage` reports, and the rest goes back.
 *
 * Other token-priced upstreams (Gemini: 258 tokens per 768-px tile) count fewer tokens per image,
 * so the same estimate covers them too.
 */
const BASE_TOKENS = 85;
const TOKENS_PER_TILE = 170;
const TILE_PX = 512;
const FIT_WITHIN_PX = 2048;
const SHORTEST_SIDE_PX = 768;
const HIGH_FIDELITY_TOKENS = 6_144;

/** The most input tokens one image of this size may be billed as. */
export function inputImageTokens({ width, height }: SentImage): number {
  const fit = Math.min(1, FIT_WITHIN_PX / Math.max(width, height));
  let scaledWidth = width * fit;
  let scaledHeight = height * fit;
  const shorten = Math.min(1, SHORTEST_SIDE_PX / Math.min(scaledWidth, scaledHeight));
  scaledWidth *= shorten;
  scaledHeight *= shorten;
  const tiles = Math.ceil(scaledWidth / TILE_PX) * Math.ceil(scaledHeight / TILE_PX);
  return BASE_TOKENS + TOKENS_PER_TILE * tiles + HIGH_FIDELITY_TOKENS;
}

/**
 * What the input images of one upstream call may cost on a route, on top of its per-image
 * estimate (which covers the prompt and the output only). Zero for prices that don't bill input
 * images: fixed, table, upstream-reported, or tokens with no input image price.
 */
export function inputImageReserveMicros(pricing: PricingMicros, images: readonly SentImage[]): number {
  if (pricing.type !== 'tokens' || pricing.inputImagePerMillionMicros === 0 || images.length === 0) return 0;
  const tokens = images.reduce((sum, image) => sum + inputImageTokens(image), 0);
  // Per million tokens in micro-USD is micro-micro-USD per token: divide once, round up (as the settle does).
  return Math.ceil((tokens * pricing.inputImagePerMillionMicros) / 1_000_000);
}
