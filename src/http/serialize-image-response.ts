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
 * joined into one more multi-megabyte buffer either. The JSON around them is written field by
 * field, each value through `JSON.stringify`: the same bytes as stringifying the whole object with
 * the base64 as strings. Field order follows the public service.
 */
export function serializeImageResponse(output: GenerationOutput): ImageResponseBody {
  const parts: Buffer[] = [];
  let text = `{"created":${JSON.stringify(output.created)},"data":[`;
  output.data.forEach((item, index) => {
    if (index > 0) text += ',';
    if ('url' in item) {
      text += JSON.stringify({ revised_prompt: item.revised_prompt, url: item.url });
      return;
    }
    text += `{"revised_prompt":${JSON.stringify(item.revised_prompt)},"b64_json":"`;
    parts.push(Buffer.from(text), ...base64Parts(item.b64_json));
    text = '"}';
  });
  text += `],"latency":${JSON.stringify(output.latency)},"cost":${JSON.stringify(output.cost)},"id":${JSON.stringify(output.id)}`;
  if (output.warnings.length > 0) text += `,"warnings":${JSON.stringify(output.warnings)}`;
  parts.push(Buffer.from(`${text}}`));
  let length = 0;
  for (const part of parts) length += part.length;
  return { parts, length };
}
