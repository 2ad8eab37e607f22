import { loadSharp } from '../../images/load-sharp.js';
import type { GenerationWarning, ImageRequest } from '../../domain/image-request.js';
import type { ImageFormat } from '../../domain/image-format.js';
import { convertMask, prepareInputImage } from '../common/input-image-conversion.js';
import type { FalModelProfile } from './fal-route-options.js';
import type { PreparedFalImage } from './fal-request.js';

/** What fal apps decode from a data URI (they accept more, but these need no conversion anywhere). */
const FAL_INPUT_FORMATS: ReadonlyArray<ImageFormat> = ['png', 'jpeg', 'webp'];

export interface PreparedFalInputs {
  images: PreparedFalImage[];
  /** White = repaint, at the size of prepared image 1. */
  mask: Buffer | undefined;
  warnings: GenerationWarning[];
}

/**
 * Input images ready to inline as data URIs (fal takes them, no upload needed): EXIF applied,
 * and scaled within the endpoint's pixel limit where it has one, since image-to-image output takes
 * the input's size and fal bills per megapixel. The mask follows image 1's final size.
 */
export async function prepareFalInputs(
  request: Pick<ImageRequest, 'images' | 'mask'>,
  profile: FalModelProfile,
  context: { provider: string; endpointId: string },
): Promise<PreparedFalInputs> {
  const sharp = await loadSharp();
  const warnings: GenerationWarning[] = [];
  const images = await Promise.all(
    request.images.map(async (image, index) => {
      const prepared = await prepareInputImage(image, { formats: FAL_INPUT_FORMATS });
      const metadata = await sharp(prepared.bytes).metadata();
      const size = { width: metadata.width ?? image.width, height: metadata.height ?? image.height };
      const limit = profile.maxInputPixels;
      if (limit === undefined || size.width * size.height <= limit) return { ...prepared, ...size };
      const scale = Math.sqrt(limit / (size.width * size.height));
      const width = Math.max(1, Math.floor(size.width * scale));
      const height = Math.max(1, Math.floor(size.height * scale));
      const resized = sharp(prepared.bytes).resize(width, height, { fit: 'fill' });
      const bytes = prepared.format === 'jpeg' ? await resized.jpeg({ quality: 95 }).toBuffer() : await resized.png().toBuffer();
      warnings.push({
        type: 'adapted',
        setting: 'image[]',
        provider: context.provider,
        message: `'${context.endpointId}' keeps the input size and fal bills per megapixel: image ${index + 1} (${size.width}x${size.height}) was scaled to ${width}x${height}.`,
      });
      return { bytes, format: prepared.format === 'jpeg' ? ('jpeg' as const) : ('png' as const), width, height };
    }),
  );
  const first = images[0];
  const mask = request.mask && first ? await convertMask(request.mask, { width: first.width, height: first.height }, 'white') : undefined;
  return { images, mask, warnings };
}
