import type { ModelCapabilities } from '../api/models-api';

const COMMON_SIZES = ['1024x1024', '1024x1536', '1536x1024', '512x512', '768x768', '1280x720', '720x1280', '256x256', '64x64'];

/** The sizes to offer: the model's list, or common ones within its size range (any other may be typed). */
export function sizeOptions(capabilities: ModelCapabilities): string[] {
  if (capabilities.sizes !== null) return ['auto', ...capabilities.sizes.filter((size) => size !== 'auto')];
  const { min, max } = capabilities.size_range;
  const fits = (size: string) => size.split('x').every((edge) => Number(edge) >= min && Number(edge) <= max);
  return ['auto', ...COMMON_SIZES.filter(fits)];
}
