import type { ProviderImage } from '../provider.js';
import { contentPolicyError, malformedResponse } from '../common/upstream-error-from-response.js';
import { readImageOutput } from './fal-wire-types.js';

/** `data:image/jpeg;base64,...`, what `sync_mode` puts in `url`. */
const BASE64_DATA_URI = /^data:[\w.+/-]*(;[\w.+-]+=[\w.+-]+)*;base64,/i;

/**
 * The images of a completed request. CDN URLs are returned for the gateway to download without
 * credentials; `sync_mode` data URIs as base64 text, untouched. With the safety checker on, fal
 * blacks out flagged images and flags them in `has_nsfw_concepts`: those are dropped (the gateway
 * asks again for the rest), and a result with nothing but flagged images is a content-policy refusal.
 */
export function falResultImages(provider: string, body: unknown, safetyCheckerOn: boolean): ProviderImage[] {
  const output = readImageOutput(body);
  if (!output) throw malformedResponse(provider, 'the result has no images');
  if (output.files.length === 0) throw malformedResponse(provider, 'the result has an empty images list');
  const images: ProviderImage[] = [];
  output.files.forEach((file, index) => {
    if (safetyCheckerOn && output.nsfwFlags[index] === true) return;
    images.push(providerImage(provider, file.url));
  });
  if (images.length === 0) {
    throw contentPolicyError(
      provider,
      `its safety checker flagged ${output.files.length === 1 ? 'the image' : `all ${output.files.length} images`} (has_nsfw_concepts)`,
    );
  }
  return images;
}

function providerImage(provider: string, url: string): ProviderImage {
  const dataUri = BASE64_DATA_URI.exec(url);
  if (dataUri) return { base64: Buffer.from(url.slice(dataUri[0].length), 'latin1') };
  if (/^https?:\/\//i.test(url)) return { url };
  throw malformedResponse(provider, 'an image URL is neither http(s) nor a base64 data URI');
}
