import type { PricingMicros } from '../catalog/pricing-micros.js';

/** The size of an image sent upstream, as decoded. */
interface SentImage {
  width: number;
  height: number;
}

/*
 * Input image tokens, counted the way OpenAI documents it for vision input
 * (https://platform.openai.com/docs/guides/images-vision#calculating-costs): the image is scaled to
 * fit within 2048×2048, then so that its shortest side is at most 768 px; it costs a base plus a
 * price per 512-px tile covering it. The page lists 85 + 170 per tile for GPT-4o and smaller
 * constants for GPT Image 1 (65 + 129); we take the larger ones so the hold never falls short.
 *
 * Assumption, stated because no primary source was reachable while writing this: edits with high
 * input fidelity (always on for the newer GPT image models) add up to 6,240 image tokens per input
 * image (OpenAI's image-generation guide quotes 4,160 for square and 6,240 for other inputs of
 * gpt-image-1). We add the larger figure to every image: this is a hold, the settle charges what
 * the upstream's `usage` reports, and the rest goes back.
 *
 * Other token-priced upstreams (Gemini: 258 tokens per 768-px tile) count fewer tokens per image,
 * so the same estimate covers them too.
 */
const BASE_TOKENS = 85;
const TOKENS_PER_TILE = 170;
const TILE_PX = 512;
const FIT_WITHIN_PX = 2048;
const SHORTEST_SIDE_PX = 768;
const HIGH_FIDELITY_TOKENS = 6_240;

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
