import type { ImageFormat } from '../../domain/image-format.js';
import type { GenerationWarning } from '../../domain/image-request.js';
import type { ImageProvider, ProviderImage, ProviderResult } from '../provider.js';
import { convertMask, prepareInputImage } from '../common/input-image-conversion.js';
import { contentPolicyError, malformedResponse } from '../common/upstream-error-from-response.js';
import { ideogramHttpError } from './ideogram-errors.js';
import { probeIdeogram } from './ideogram-probe.js';
import { buildIdeogramRequest, type IdeogramCall, type IdeogramPreparedInputs } from './ideogram-request.js';
import type { IdeogramRouteOptions, IdeogramSettings } from './ideogram-route-options.js';
import { readImageItems } from './ideogram-wire-types.js';
import { encodeMultipartForm } from '../common/multipart-form.js';
import { postForJson } from '../common/post-json.js';

/** Ideogram reads JPEG, PNG and WebP uploads; other formats are re-encoded as PNG. */
const INPUT_FORMATS: ReadonlyArray<ImageFormat> = ['png', 'jpeg', 'webp'];

/**
 * Ideogram's V3 API: one synchronous multipart request per call (`Api-Key` header), results as
 * signed URLs that expire within hours, which the gateway downloads at once (without the key).
 * `imagerouter doctor` probes the key with a lookup of a generation that does not exist.
 */
export function createIdeogramAdapter(): ImageProvider<IdeogramRouteOptions, IdeogramSettings> {
  return {
    id: 'ideogram',
    maxImagesPerCall: (_upstreamModel, options) => options.maxImagesPerCall,
    generate: generateWithIdeogram,
    probe: probeIdeogram,
  };
}

async function generateWithIdeogram(call: IdeogramCall): Promise<ProviderResult> {
  const provider = call.endpoint.instance;
  const request = buildIdeogramRequest(call, await prepareInputs(call));
  const json = await postForJson(
    {
      provider,
      url: request.url,
      headers: request.headers,
      body: encodeMultipartForm(request.fields),
      signal: call.signal,
      deadline: call.deadline,
    },
    (response) => ideogramHttpError(provider, response, call.endpoint.apiKey),
  );
  const items = readImageItems(json);
  if (!items || items.length === 0) throw malformedResponse(provider, "the body has no images in 'data'");

  const images: ProviderImage[] = [];
  let withheld = 0;
  for (const [index, item] of items.entries()) {
    if (!item.isImageSafe) {
      withheld += 1;
      continue;
    }
    if (!item.url) throw malformedResponse(provider, `data[${index}] has no 'url'`);
    images.push({ url: item.url, ...(item.prompt && item.prompt !== call.request.prompt ? { revisedPrompt: item.prompt } : {}) });
  }
  if (images.length === 0) throw contentPolicyError(provider, 'every image failed its safety check (is_image_safe: false)');
  const warnings: GenerationWarning[] = [...request.warnings];
  if (withheld > 0) {
    warnings.push({
      type: 'other',
      provider,
      message: `Ideogram withheld ${withheld} of ${items.length} image(s) that failed its safety check; only the others are returned.`,
    });
  }
  return { images, warnings };
}

/** EXIF applied and formats Ideogram reads; the mask turned to black = edit at image 1's size. */
async function prepareInputs(call: IdeogramCall): Promise<IdeogramPreparedInputs> {
  const { images, mask } = call.request;
  const first = images[0];
  const [prepared, preparedMask] = await Promise.all([
    Promise.all(images.map((image) => prepareInputImage(image, { formats: INPUT_FORMATS }))),
    mask && first ? convertMask(mask, { width: first.width, height: first.height }, 'black') : Promise.resolve(mask?.bytes),
  ]);
  return { images: prepared, mask: preparedMask };
}
