import { loadSharp } from '../../images/load-sharp.js';
import type { ImageFormat } from '../../domain/image-format.js';
import type { ImageProvider, ProviderImage, ProviderResult } from '../provider.js';
import { convertMask, prepareInputImage } from '../common/input-image-conversion.js';
import { malformedResponse } from '../common/upstream-error-from-response.js';
import { recraftHttpError } from './recraft-errors.js';
import { probeRecraft } from './recraft-probe.js';
import { buildRecraftRequest, isRecraftVectorModel, type RecraftCall, type RecraftPreparedInputs } from './recraft-request.js';
import type { RecraftRouteOptions, RecraftSettings } from './recraft-route-options.js';
import { readGeneration } from './recraft-wire-types.js';
import { encodeMultipartForm } from '../common/multipart-form.js';
import { postForJson } from '../common/post-json.js';

/** Recraft reads PNG, JPEG and WebP uploads (and SVG, which clients cannot send here); others go as PNG. */
const INPUT_FORMATS: ReadonlyArray<ImageFormat> = ['png', 'jpeg', 'webp'];
/** 1000 API units are $1, so one unit is 1000 micro-USD. */
const MICROS_PER_UNIT = 1000;

/**
 * Recraft's API: one synchronous request per call (Bearer token), JSON for text to image and
 * multipart with images, results as base64 (an SVG document's bytes for `_vector` models). The
 * `credits` each answer reports is the charge.
 * `imagerouter doctor` probes the token with `GET /users/me`.
 */
export function createRecraftAdapter(): ImageProvider<RecraftRouteOptions, RecraftSettings> {
  return {
    id: 'recraft',
    maxImagesPerCall: (_upstreamModel, options) => options.maxImagesPerCall,
    generate: generateWithRecraft,
    probe: probeRecraft,
  };
}

async function generateWithRecraft(call: RecraftCall): Promise<ProviderResult> {
  const provider = call.endpoint.instance;
  const request = buildRecraftRequest(call, await prepareInputs(call));
  const json = await postForJson(
    {
      provider,
      url: request.url,
      headers: request.headers,
      body: 'json' in request ? JSON.stringify(request.json) : encodeMultipartForm(request.fields),
      signal: call.signal,
      deadline: call.deadline,
    },
    (response) => recraftHttpError(provider, response, call.endpoint.apiKey),
  );
  const generation = readGeneration(json);
  if (!generation || generation.items.length === 0) throw malformedResponse(provider, "the body has no images in 'data'");

  const vector = isRecraftVectorModel(call.upstreamModel);
  const images = generation.items.map((item, index): ProviderImage => {
    const revised = item.revisedPrompt && item.revisedPrompt !== call.request.prompt ? { revisedPrompt: item.revisedPrompt } : {};
    if (item.b64Json) {
      // Vector models answer SVG, checked as a document when the images are finished; raster ones must not.
      if (!vector && looksLikeSvg(item.b64Json)) throw malformedResponse(provider, `data[${index}] is an SVG document, not a raster image`);
      return { base64: Buffer.from(item.b64Json, 'ascii'), ...revised };
    }
    if (item.url) return { url: item.url, ...revised };
    throw malformedResponse(provider, `data[${index}] has neither 'b64_json' nor 'url'`);
  });
  return {
    images,
    warnings: request.warnings,
    ...(generation.credits === undefined ? {} : { reportedCostMicros: Math.round(generation.credits * MICROS_PER_UNIT) }),
  };
}

/** `PD94` is base64 of `<?x`, `PHN2` of `<sv`: an SVG where a raster image was asked for. */
function looksLikeSvg(base64: string): boolean {
  return base64.startsWith('PD94') || base64.startsWith('PHN2');
}

/**
 * EXIF applied and formats Recraft reads; the mask turned to Recraft's convention (white = change)
 * at image 1's size, then thresholded: Recraft refuses gray and antialiased masks.
 */
async function prepareInputs(call: RecraftCall): Promise<RecraftPreparedInputs> {
  const { images, mask } = call.request;
  const first = images[0];
  const [prepared, preparedMask] = await Promise.all([
    Promise.all(images.map((image) => prepareInputImage(image, { formats: INPUT_FORMATS }))),
    mask && first
      ? convertMask(mask, { width: first.width, height: first.height }, 'white').then(pureBlackAndWhite)
      : Promise.resolve(mask?.bytes),
  ]);
  return { images: prepared, mask: preparedMask };
}

async function pureBlackAndWhite(mask: Buffer): Promise<Buffer> {
  const sharp = await loadSharp();
  return sharp(mask).greyscale().threshold(128).png().toBuffer();
}
