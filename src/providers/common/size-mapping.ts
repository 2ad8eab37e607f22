import type { ImageSize } from '../../domain/image-request.js';

/** `16:9` → {width: 16, height: 9}. */
export function parseAspectRatio(ratio: string): ImageSize {
  const [width, height] = ratio.split(':').map(Number);
  if (!width || !height) throw new Error(`Not an aspect ratio: ${ratio}`);
  return { width, height };
}

/**
 * The allowed aspect ratio closest to a size. Distance is |log(w/h) − log(a/b)|, so 2:1 and 1:2 are
 * equally far from 1:1 (a linear difference would favour portrait ratios).
 */
export function nearestAspectRatio(size: ImageSize, allowed: ReadonlyArray<string>): string {
  const target = Math.log(size.width / size.height);
  let best = allowed[0] ?? '1:1';
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const ratio of allowed) {
    const { width, height } = parseAspectRatio(ratio);
    const distance = Math.abs(Math.log(width / height) - target);
    if (distance < bestDistance - 1e-12) {
      best = ratio;
      bestDistance = distance;
    }
  }
  return best;
}

/** Each edge rounded to the nearest multiple and clamped to [min, max] (both multiples themselves). */
export function roundSizeToMultiple(size: ImageSize, multiple: number, min: number, max: number): ImageSize {
  const round = (edge: number) => Math.min(max, Math.max(min, Math.round(edge / multiple) * multiple));
  return { width: round(size.width), height: round(size.height) };
}

/** The allowed `WxH` closest in aspect ratio, then in area. */
export function nearestSize(size: ImageSize, allowed: ReadonlyArray<string>): string {
  let best = allowed[0] ?? `${size.width}x${size.height}`;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of allowed) {
    const [width, height] = candidate.split('x').map(Number);
    if (!width || !height) continue;
    const ratioDistance = Math.abs(Math.log(width / height) - Math.log(size.width / size.height));
    const areaDistance = Math.abs(Math.log((width * height) / (size.width * size.height)));
    const score = ratioDistance * 10 + areaDistance;
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

export const formatSize = (size: ImageSize) => `${size.width}x${size.height}`;
