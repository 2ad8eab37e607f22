import type { GenerationWarning, ImageSize } from '../../domain/image-request.js';
import { formatSize } from '../common/size-mapping.js';
import type { FalSizeRule } from './fal-route-options.js';

export interface FalSizeChoice {
  /** What to send as `image_size`; `undefined` = leave it out (model default, or the input's size). */
  imageSize: ImageSize | undefined;
  warnings: GenerationWarning[];
}

/**
 * The `image_size` of one call. Sizes are sent as `{width, height}` (every profiled app takes
 * that); they are only changed to meet the app's rules, and every change is reported.
 */
export function falImageSize(
  requested: ImageSize | 'auto',
  rule: FalSizeRule,
  firstImage: ImageSize | undefined,
  context: { provider: string; endpointId: string },
): FalSizeChoice {
  if (rule.kind === 'input') {
    if (requested === 'auto') return { imageSize: undefined, warnings: [] };
    return {
      imageSize: undefined,
      warnings: [
        {
          type: 'unsupported',
          setting: 'size',
          provider: context.provider,
          message: `'${context.endpointId}' keeps the size of the input image; size ${formatSize(requested)} was not sent.`,
        },
      ],
    };
  }
  if (requested === 'auto') {
    if (rule.autoSize === 'fit_input') return { imageSize: firstImage ? fitSize(firstImage, rule) : undefined, warnings: [] };
    return { imageSize: rule.autoSize, warnings: [] };
  }
  const fitted = fitSize(requested, rule);
  if (fitted.width === requested.width && fitted.height === requested.height) return { imageSize: fitted, warnings: [] };
  return {
    imageSize: fitted,
    warnings: [
      {
        type: 'adapted',
        setting: 'size',
        provider: context.provider,
        message: `'${context.endpointId}' ${sizeRuleText(rule)}; size ${formatSize(requested)} was sent as ${formatSize(fitted)}.`,
      },
    ],
  };
}

/**
 * Scales the size into the pixel bounds (keeping its aspect ratio), then rounds each edge to the
 * multiple: upwards after scaling up and downwards after scaling down, so the bound still holds.
 */
function fitSize(size: ImageSize, rule: Extract<FalSizeRule, { kind: 'custom' }>): ImageSize {
  const pixels = size.width * size.height;
  let scale = 1;
  if (rule.minPixels !== undefined && pixels < rule.minPixels) scale = Math.sqrt(rule.minPixels / pixels);
  if (rule.maxPixels !== undefined && pixels > rule.maxPixels) scale = Math.sqrt(rule.maxPixels / pixels);
  // The epsilon keeps float noise (1919.9999…) from pushing an exact edge one multiple further.
  const round =
    scale > 1 ? (value: number) => Math.ceil(value - 1e-9) : scale < 1 ? (value: number) => Math.floor(value + 1e-9) : Math.round;
  const edge = (value: number) => Math.max(rule.multiple, round((value * scale) / rule.multiple) * rule.multiple);
  return { width: edge(size.width), height: edge(size.height) };
}

function sizeRuleText(rule: Extract<FalSizeRule, { kind: 'custom' }>): string {
  const parts: string[] = [];
  if (rule.multiple > 1) parts.push(`takes edges in multiples of ${rule.multiple}`);
  if (rule.minPixels !== undefined) parts.push(`needs at least ${rule.minPixels} pixels`);
  if (rule.maxPixels !== undefined) parts.push(`takes at most ${rule.maxPixels} pixels`);
  return parts.join(' and ');
}
