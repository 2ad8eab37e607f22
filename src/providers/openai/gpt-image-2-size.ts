import type { ImageSize } from '../../domain/image-request.js';

/** gpt-image-2 size rules (wire reference §3.1): both edges multiples of 16 ... */
export const GPT_IMAGE_2_EDGE_STEP = 16;
/** ... neither edge above 3840 ... */
export const GPT_IMAGE_2_MAX_EDGE = 3840;
/** ... long edge at most 3x the short one ... */
export const GPT_IMAGE_2_MAX_RATIO = 3;
/** ... and 655,360 to 8,294,400 pixels (0.65 to 8.3 megapixels; 3840x2160 is the largest 16:9). */
export const GPT_IMAGE_2_MIN_PIXELS = 655_360;
export const GPT_IMAGE_2_MAX_PIXELS = 8_294_400;

/** Whether gpt-image-2 takes `size` as it is. */
export function isGptImage2Size(size: ImageSize): boolean {
  const { width, height } = size;
  const pixels = width * height;
  return (
    width > 0 &&
    height > 0 &&
    width % GPT_IMAGE_2_EDGE_STEP === 0 &&
    height % GPT_IMAGE_2_EDGE_STEP === 0 &&
    Math.max(width, height) <= GPT_IMAGE_2_MAX_EDGE &&
    Math.max(width, height) <= GPT_IMAGE_2_MAX_RATIO * Math.min(width, height) &&
    pixels >= GPT_IMAGE_2_MIN_PIXELS &&
    pixels <= GPT_IMAGE_2_MAX_PIXELS
  );
}

/**
 * The gpt-image-2 size closest to a request: a valid size is kept; otherwise the aspect ratio is
 * kept (clamped to 3:1), the area scaled into the pixel range and under the edge limit, and both
 * edges rounded to multiples of 16, then nudged by one step at a time until every rule holds.
 */
export function fitGptImage2Size(size: ImageSize): ImageSize {
  if (isGptImage2Size(size)) return size;
  let width = Math.max(1, size.width);
  let height = Math.max(1, size.height);
  // Too elongated: widen the short edge (the long edge is what the client cared most about).
  if (width > GPT_IMAGE_2_MAX_RATIO * height) height = width / GPT_IMAGE_2_MAX_RATIO;
  if (height > GPT_IMAGE_2_MAX_RATIO * width) width = height / GPT_IMAGE_2_MAX_RATIO;

  const area = width * height;
  let scale = 1;
  if (area > GPT_IMAGE_2_MAX_PIXELS) scale = Math.sqrt(GPT_IMAGE_2_MAX_PIXELS / area);
  if (area < GPT_IMAGE_2_MIN_PIXELS) scale = Math.sqrt(GPT_IMAGE_2_MIN_PIXELS / area);
  scale = Math.min(scale, GPT_IMAGE_2_MAX_EDGE / Math.max(width, height));

  const step = (edge: number) =>
    Math.max(GPT_IMAGE_2_EDGE_STEP, Math.round((edge * scale) / GPT_IMAGE_2_EDGE_STEP) * GPT_IMAGE_2_EDGE_STEP);
  let fitted = { width: step(width), height: step(height) };
  // Rounding may cross a bound by less than one step; each nudge moves one edge by 16 pixels, in
  // the direction that cannot break the rules already met, so this ends within a few rounds.
  for (let round = 0; round < 64 && !isGptImage2Size(fitted); round += 1) fitted = nudge(fitted);
  return fitted;
}

function nudge(size: ImageSize): ImageSize {
  const landscape = size.width >= size.height;
  const long = landscape ? size.width : size.height;
  const short = landscape ? size.height : size.width;
  const oriented = (longEdge: number, shortEdge: number) =>
    landscape ? { width: longEdge, height: shortEdge } : { width: shortEdge, height: longEdge };
  if (long > GPT_IMAGE_2_MAX_EDGE || long * short > GPT_IMAGE_2_MAX_PIXELS) return oriented(long - GPT_IMAGE_2_EDGE_STEP, short);
  if (long > GPT_IMAGE_2_MAX_RATIO * short || long * short < GPT_IMAGE_2_MIN_PIXELS) return oriented(long, short + GPT_IMAGE_2_EDGE_STEP);
  return size;
}
