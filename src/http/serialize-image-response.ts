import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { base64Parts } from '../domain/base64-text.js';
import type { GenerationOutput } from '../generation/generate-images.js';

/** A response body as the pieces it is made of, written in order; `length` is their total in bytes. */
export interface ImageResponseBody {
  parts: Buffer[];
  length: number;
}

/**
 * The JSON body of an image response as parts. Base64 images are spliced in as the buffers they
 * already are (views into the upstream's body when it passed through): a multi-megabyte string
 * is never built, escaped or re-encoded (base64 needs no JSON escaping), and the parts are never
 * joined into one more multi-megabyte buffer either. Field order follows the public service.
 */
export function serializeImageResponse(output: GenerationOutput): ImageResponseBody {
  // A fresh marker per response: nothing a client sends can collide with it.
  const marker = `@@b64-${randomBytes(8).toString('hex')}-`;
  const images: Array<readonly Buffer[]> = [];
  const data = output.data.map((item) => {
    if ('url' in item) return item;
    images.push(base64Parts(item.b64_json));
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
  const parts: Buffer[] = [];
  let position = 0;
  images.forEach((image, index) => {
    const token = `${marker}${index}@@`;
    const at = text.indexOf(token, position);
    parts.push(Buffer.from(text.slice(position, at)), ...image);
    position = at + token.length;
  });
  parts.push(Buffer.from(text.slice(position)));
  return { parts, length: parts.reduce((sum, part) => sum + part.length, 0) };
}

/**
 * A stream that hands the parts to the socket as they are, for a reply whose `content-length` is
 * set to `body.length` (so the response is not chunked and the client sees one sized body).
 */
export function imageResponseStream(body: ImageResponseBody): Readable {
  return new Readable({
    read() {
      for (const part of body.parts) this.push(part);
      this.push(null);
    },
  });
}
