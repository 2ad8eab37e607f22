import { UpstreamError } from '../../errors/upstream-error.js';
import type { ImageFormat } from '../../domain/image-format.js';
import type { ImageProvider, ProviderResult } from '../provider.js';
import { convertMask, prepareInputImage } from '../common/input-image-conversion.js';
import { contentPolicyError, malformedResponse } from '../common/upstream-error-from-response.js';
import { stabilityHttpError } from './stability-errors.js';
import { buildStabilityRequest, type StabilityCall, type StabilityPreparedInputs, type StabilityRequest } from './stability-request.js';
import type { StabilityRouteOptions, StabilitySettings } from './stability-route-options.js';
import { readImageResult, STABILITY_FINISH } from './stability-wire-types.js';
import { encodeMultipartForm } from '../common/multipart-form.js';
import { postForJson } from '../common/post-json.js';

/** Formats Stability reads as input images; others are re-encoded as PNG (which keeps alpha). */
const INPUT_FORMATS: ReadonlyArray<ImageFormat> = ['png', 'jpeg', 'webp'];

/**
 * Stability AI's REST v2beta: one synchronous multipart POST per image, the image back as base64
 * in JSON. No probe: the v2beta API documents no free authenticated endpoint.
 */
export function createStabilityAdapter(): ImageProvider<StabilityRouteOptions, StabilitySettings> {
  return {
    id: 'stability',
    maxImagesPerCall: () => 1,
    generate: generateWithStability,
  };
}

async function generateWithStability(call: StabilityCall): Promise<ProviderResult> {
  const request = buildStabilityRequest(call, await prepareInputs(call));
  // The router asks one image per call; should a caller ask more, each is its own request.
  const images = await Promise.all(Array.from({ length: Math.max(1, call.n) }, () => sendOnce(call, request)));
  return { images: images.map((base64) => ({ base64 })), warnings: request.warnings };
}

/** EXIF applied, formats Stability reads; the mask as grayscale, white = edit, at image 1's size. */
async function prepareInputs(call: StabilityCall): Promise<StabilityPreparedInputs> {
  const { request } = call;
  const images = await Promise.all(
    request.images.map(async (image) => ({ ...(await prepareInputImage(image, { formats: INPUT_FORMATS })), hasAlpha: image.hasAlpha })),
  );
  const first = request.images[0];
  let mask: Buffer | undefined;
  if (request.mask) {
    // An endpoint without masks gets the raw bytes only so that the builder can refuse them.
    mask = call.options.mask && first ? await convertMask(request.mask, first, 'white') : request.mask.bytes;
  }
  return { images, mask };
}

/** One POST; the base64 image exactly as Stability sent it. */
async function sendOnce(call: StabilityCall, request: StabilityRequest): Promise<Buffer> {
  const provider = call.endpoint.instance;
  const json = await postForJson(
    {
      provider,
      url: request.url,
      headers: request.headers,
      body: encodeMultipartForm(request.fields),
      signal: call.signal,
      deadline: call.deadline,
    },
    (response) => stabilityHttpError(provider, response, call.endpoint.apiKey),
  );
  const result = readImageResult(json);
  if (!result) throw malformedResponse(provider, 'the response has no base64 image');
  // A filtered result is a 200 with a blurred image: never hand that to the client as a success.
  if (result.finishReason === STABILITY_FINISH.contentFiltered) {
    throw contentPolicyError(provider, 'finish_reason CONTENT_FILTERED (the output was filtered)');
  }
  if (result.finishReason !== undefined && result.finishReason !== STABILITY_FINISH.success) {
    throw new UpstreamError({
      provider,
      kind: 'upstream_error',
      message: `The provider '${provider}' finished without an image (finish_reason '${result.finishReason}').`,
    });
  }
  return Buffer.from(result.image, 'ascii');
}
