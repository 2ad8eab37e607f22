import type { GenerationWarning } from '../../domain/image-request.js';
import type { ProviderImage } from '../provider.js';
import { contentPolicyError, malformedResponse } from '../common/upstream-error-from-response.js';
import { readImagenResponse } from './imagen-wire-types.js';

/**
 * The images of a 200 `:predict` body. Imagen drops images its RAI filter caught: with none left
 * (`{}`, an empty list, or only `raiFilteredReason` entries) the request is refused under the
 * content policy; with some left, they are delivered (billed per delivered image) and the
 * shortfall is a warning.
 */
export function imagenResult(
  provider: string,
  model: string,
  body: unknown,
  wanted: number,
  secrets: ReadonlyArray<string | undefined>,
): { images: ProviderImage[]; warnings: GenerationWarning[] } {
  const response = readImagenResponse(body);
  if (!response) throw malformedResponse(provider, 'the body is not a JSON object');
  const images: ProviderImage[] = response.images.slice(0, wanted).map((image) => ({ base64: Buffer.from(image.data, 'latin1') }));
  const reason = response.filteredReasons[0];
  if (images.length === 0) {
    throw contentPolicyError(provider, reason ?? 'every image was removed by the safety filter', secrets);
  }
  const missing = wanted - images.length;
  const warnings: GenerationWarning[] =
    missing > 0
      ? [
          {
            type: 'other',
            provider,
            message: `'${model}' filtered ${missing} of ${wanted} image(s) under its safety policy${reason ? ` (${reason})` : ''}.`,
          },
        ]
      : [];
  return { images, warnings };
}
