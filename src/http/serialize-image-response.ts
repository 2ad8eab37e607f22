import { randomBytes } from 'node:crypto';
import type { GenerationOutput } from '../generation/generate-images.js';

/**
 * The JSON body of an image response as bytes. Base64 images are spliced in as the buffers they
 * already are: a multi-megabyte string is never built, escaped or re-encoded (base64 needs no
 * JSON escaping). Field order follows the public service.
 */
export function serializeImageResponse(output: GenerationOutput): Buffer {
  // A fresh marker per response: nothing a client sends can collide with it.
  const marker = `@@b64-${randomBytes(8).toString('hex')}-`;
  const images: Buffer[] = [];
  const data = output.data.map((item) => {
    if ('url' in item) return item;
    images.push(item.b64_json);
    return { revised_prompt: item.revised_prompt, b64_json: `${marker}${images.length - 1}@@` };
  });
  const text = JSON.stringify({
    created: output.created,
    data,
    latency: output.latency,
    cost: output.cost,
    id: output.id,
    ...(output.warnings.length > 0 ? { warnings: output.warnings } : {}),
  });
  if (images.length === 0) return Buffer.from(text);
  const parts: Buffer[] = [];
  let position = 0;
  images.forEach((image, index) => {
    const token = `${marker}${index}@@`;
    const at = text.indexOf(token, position);
    parts.push(Buffer.from(text.slice(position, at)), image);
    position = at + token.length;
  });
  parts.push(Buffer.from(text.slice(position)));
  return Buffer.concat(parts);
}
