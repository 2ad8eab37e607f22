import type { GenerationWarning, ImageSize } from '../../domain/image-request.js';
import { formatSize } from '../common/size-mapping.js';
import type { BflModelSpec } from './bfl-route-options.js';

/** The size fields of a BFL request body: pixels or an aspect ratio, never both. */
export interface BflSizeFields {
  width?: number;
  height?: number;
  aspect_ratio?: string;
}

/** Ultra and Kontext accept ratios from 21:9 to 9:21. */
const WIDEST_RATIO = { width: 21, height: 9 };

/**
 * Translates the client's size into what the endpoint takes, with an `adapted` warning whenever
 * the image will not come back at exactly that size. `auto` sends nothing: the endpoint picks
 * (FLUX.2 and Kontext follow the input image, FLUX1.1 uses 1024x768, Ultra 16:9).
 */
export function bflSizeFields(
  provider: string,
  spec: BflModelSpec,
  size: ImageSize | 'auto',
  inputSize: ImageSize | undefined,
): { fields: BflSizeFields; warnings: GenerationWarning[] } {
  if (size === 'auto') return { fields: {}, warnings: [] };
  switch (spec.size.kind) {
    case 'pixels': {
      const sent = pixelSize(size, spec.size);
      const warnings = sameSize(sent, size)
        ? []
        : [
            adapted(
              provider,
              `${spec.title} takes widths and heights in multiples of ${spec.size.multiple}${boundsText(spec.size)}; '${formatSize(size)}' was sent as ${formatSize(sent)}.`,
            ),
          ];
      return { fields: { width: sent.width, height: sent.height }, warnings };
    }
    case 'aspect_ratio': {
      const { ratio, clamped } = aspectRatio(size);
      const reason = clamped
        ? `is outside the 21:9 to 9:21 range ${spec.title} accepts, so it was sent as the nearest ratio`
        : 'was sent as the aspect ratio';
      return {
        fields: { aspect_ratio: ratio },
        warnings: [adapted(provider, `'${formatSize(size)}' ${reason} ${ratio}; ${spec.title} chooses the pixel dimensions itself.`)],
      };
    }
    case 'input': {
      const warnings =
        inputSize && sameSize(inputSize, size)
          ? []
          : [
              adapted(
                provider,
                `${spec.title} returns an image the size of the input image${inputSize ? ` (${formatSize(inputSize)})` : ''}, not '${formatSize(size)}'.`,
              ),
            ];
      return { fields: {}, warnings };
    }
  }
}

/** Rounded to the multiple, clamped to the edge bounds, then scaled down (keeping the ratio) under the pixel cap. */
function pixelSize(
  size: ImageSize,
  rule: { multiple: number; min: number; max: number | undefined; maxPixels: number | undefined },
): ImageSize {
  const edge = (value: number) =>
    Math.min(rule.max ?? Number.POSITIVE_INFINITY, Math.max(rule.min, Math.round(value / rule.multiple) * rule.multiple));
  let width = edge(size.width);
  let height = edge(size.height);
  if (rule.maxPixels !== undefined && width * height > rule.maxPixels) {
    const scale = Math.sqrt(rule.maxPixels / (width * height));
    // Floor, not round: rounding up could land just over the cap again.
    const down = (value: number) => Math.max(rule.min, Math.floor((value * scale) / rule.multiple) * rule.multiple);
    width = down(width);
    height = down(height);
  }
  return { width, height };
}

function boundsText(rule: { min: number; max: number | undefined; maxPixels: number | undefined }): string {
  const parts = [rule.max === undefined ? `from ${rule.min}` : `from ${rule.min} to ${rule.max}`];
  if (rule.maxPixels !== undefined) parts.push(`at most ${rule.maxPixels / (1024 * 1024)} MP`);
  return ` (${parts.join(', ')})`;
}

/** `W:H` reduced by the gcd, clamped to 21:9…9:21. */
export function aspectRatio(size: ImageSize): { ratio: string; clamped: boolean } {
  const ratio = size.width / size.height;
  const widest = WIDEST_RATIO.width / WIDEST_RATIO.height;
  if (ratio > widest) return { ratio: `${WIDEST_RATIO.width}:${WIDEST_RATIO.height}`, clamped: true };
  if (ratio < 1 / widest) return { ratio: `${WIDEST_RATIO.height}:${WIDEST_RATIO.width}`, clamped: true };
  const divisor = gcd(size.width, size.height);
  return { ratio: `${size.width / divisor}:${size.height / divisor}`, clamped: false };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function sameSize(a: ImageSize, b: ImageSize): boolean {
  return a.width === b.width && a.height === b.height;
}

function adapted(provider: string, message: string): GenerationWarning {
  return { type: 'adapted', setting: 'size', provider, message };
}
