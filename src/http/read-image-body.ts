import type { FastifyRequest } from 'fastify';
import { ApiError, invalidParam } from '../errors/api-error.js';
import type { GenerationRequest, ImageReference } from '../generation/generation-request.js';

/** The most input images any model may take, and so the most files we read. */
export const MAX_INPUT_IMAGES = 16;
const MAX_TEXT_FIELDS = 64;

export interface ReadImageBodyLimits {
  maxImageBytes: number;
  /** Every part of one request together: files and text fields, names included. */
  maxRequestBytes: number;
}

const IMAGE_FIELDS = new Set(['image', 'image[]']);
const MASK_FIELDS = new Set(['mask', 'mask[]']);

function tooManyImages(): ApiError {
  return invalidParam('image[]', `Too many input images: at most ${MAX_INPUT_IMAGES} can be sent.`);
}

function requestTooLarge(param: string, limits: ReadImageBodyLimits): ApiError {
  return new ApiError({
    kind: 'invalid_request',
    status: 413,
    param,
    code: 'request_too_large',
    message: `The request body exceeds ${limits.maxRequestBytes} bytes (IMAGEROUTER_MAX_REQUEST_BYTES): files and text fields count together.`,
  });
}

/** Reads a JSON or multipart image request. Files stay in memory: nothing touches the disk. */
export async function readImageBody(request: FastifyRequest, limits: ReadImageBodyLimits): Promise<GenerationRequest> {
  if (request.isMultipart()) return readMultipart(request, limits);
  return readJson(request.body);
}

function readJson(body: unknown): GenerationRequest {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiError({
      kind: 'invalid_request',
      param: 'body',
      message: 'The request body must be a JSON object (Content-Type: application/json) or a multipart form (multipart/form-data).',
    });
  }
  const fields: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  const images = takeReferences(fields, ['image', 'image[]', 'images'], (index) => `image[${index}]`);
  if (images.length > MAX_INPUT_IMAGES) throw tooManyImages();
  const masks = takeReferences(fields, ['mask', 'mask[]'], () => 'mask');
  if (masks.length > 1) throw invalidParam('mask', "Only one mask can be sent ('mask' or 'mask[]').");
  return { fields, images, masks };
}

/** Moves the image references under `names` out of `fields`, in order; `paramOf` names each one for errors. */
function takeReferences(fields: Record<string, unknown>, names: readonly string[], paramOf: (index: number) => string): ImageReference[] {
  const inputs: ImageReference[] = [];
  for (const name of names) {
    const value = fields[name];
    delete fields[name];
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      const reference = referenceOf(item);
      if (reference === undefined)
        throw invalidParam(name, `'${name}' must be a data URI, base64 text, an http(s) URL or {"image_url": "..."}.`);
      inputs.push({ kind: 'reference', value: reference, param: paramOf(inputs.length) });
    }
  }
  return inputs;
}

function referenceOf(item: unknown): string | undefined {
  if (typeof item === 'string' && item.trim() !== '') return item.trim();
  if (item && typeof item === 'object' && 'image_url' in item) {
    const url = (item as { image_url: unknown }).image_url;
    if (typeof url === 'string' && url.trim() !== '') return url.trim();
    if (url && typeof url === 'object' && 'url' in url && typeof (url as { url: unknown }).url === 'string') {
      return (url as { url: string }).url.trim();
    }
  }
  return undefined;
}

async function readMultipart(request: FastifyRequest, limits: ReadImageBodyLimits): Promise<GenerationRequest> {
  const fields: Record<string, unknown> = {};
  const images: ImageReference[] = [];
  const masks: ImageReference[] = [];
  // Text fields count as much as files: a data URI in 'image[]' carries an image just as well, and
  // Fastify's bodyLimit never sees a multipart body (the plugin streams it past the body parser).
  let totalBytes = 0;
  const count = (bytes: number, param: string) => {
    totalBytes += bytes;
    if (totalBytes > limits.maxRequestBytes) throw requestTooLarge(param, limits);
  };
  const readFile = async (part: { toBuffer(): Promise<Buffer> }, param: string) => {
    const bytes = await part.toBuffer();
    count(Buffer.byteLength(param) + bytes.length, param);
    return bytes;
  };
  // busboy buffers a whole text field before handing it over and silently cuts it at this size, so
  // it bounds the memory of one field and `valueTruncated` must be refused, never passed on.
  const fieldSize = Math.min(Math.ceil(limits.maxImageBytes * 1.4), limits.maxRequestBytes);
  const parts = request.parts({
    limits: {
      fileSize: limits.maxImageBytes,
      // One more than allowed, so that a 17th image is reported as such, not as a parser limit.
      files: MAX_INPUT_IMAGES * 2 + 3,
      fields: MAX_TEXT_FIELDS,
      fieldSize,
    },
  });
  try {
    for await (const part of parts) {
      const name = part.fieldname;
      if (part.type === 'file') {
        if (IMAGE_FIELDS.has(name)) {
          if (images.length >= MAX_INPUT_IMAGES) throw tooManyImages();
          images.push({ kind: 'bytes', bytes: await readFile(part, name), param: name });
        } else if (MASK_FIELDS.has(name)) {
          if (masks.length >= 1) throw invalidParam(name, "Only one mask can be sent ('mask' or 'mask[]').");
          masks.push({ kind: 'bytes', bytes: await readFile(part, name), param: name });
        } else {
          // Drain it so the parser can go on to the error response cleanly.
          part.file.resume();
          throw invalidParam(
            name,
            `Unexpected file field '${name}'. Send input images as 'image[]' (or 'image') and a mask as 'mask[]' (or 'mask').`,
          );
        }
        continue;
      }
      if (part.valueTruncated) throw fieldTooLarge(name, fieldSize, limits);
      const value = typeof part.value === 'string' ? part.value : String(part.value);
      // A field sent as application/json arrives parsed: count what was sent, not its String().
      count(
        Buffer.byteLength(name) + Buffer.byteLength(typeof part.value === 'string' ? part.value : (JSON.stringify(part.value) ?? '')),
        name,
      );
      if (IMAGE_FIELDS.has(name)) {
        if (images.length >= MAX_INPUT_IMAGES) throw tooManyImages();
        images.push({ kind: 'reference', value, param: name });
      } else if (MASK_FIELDS.has(name)) {
        if (masks.length >= 1) throw invalidParam(name, "Only one mask can be sent ('mask' or 'mask[]').");
        masks.push({ kind: 'reference', value, param: name });
      } else {
        fields[name] = value;
      }
    }
  } catch (error) {
    // Leaving the loop early leaves busboy parsing (and buffering) the rest of the body for nobody:
    // detach it and let the rest drain unread, so a 413 costs no more memory than the cap.
    request.raw.unpipe();
    request.raw.resume();
    throw mapMultipartError(error, limits);
  }
  return { fields, images, masks };
}

function fieldTooLarge(param: string, fieldSize: number, limits: ReadImageBodyLimits): ApiError {
  if (fieldSize >= limits.maxRequestBytes) return requestTooLarge(param, limits);
  return new ApiError({
    kind: 'invalid_request',
    status: 413,
    param,
    code: 'field_too_large',
    message: `'${param}' is longer than ${fieldSize} bytes, more than an image of IMAGEROUTER_MAX_IMAGE_BYTES (${limits.maxImageBytes}) takes as base64.`,
  });
}

function mapMultipartError(error: unknown, limits: ReadImageBodyLimits): unknown {
  if (error instanceof ApiError) return error;
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return new ApiError({
        kind: 'invalid_request',
        status: 413,
        param: 'image[]',
        code: 'file_too_large',
        message: `An uploaded file is larger than ${limits.maxImageBytes} bytes.`,
      });
    case 'FST_FILES_LIMIT':
      return tooManyImages();
    case 'FST_FIELDS_LIMIT':
      return invalidParam('body', `Too many form fields: at most ${MAX_TEXT_FIELDS}.`);
    case 'FST_PARTS_LIMIT':
      return invalidParam('body', 'Too many form parts.');
    case 'FST_PROTO_VIOLATION':
      return invalidParam('body', 'Form field names may not be prototype properties.');
    case 'FST_MP_PREMATURE_CLOSE':
      return invalidParam('body', 'The multipart body ended before it was complete.');
    default:
      if (error instanceof Error && /Multipart|boundary|Unexpected end of form/i.test(error.message)) {
        return invalidParam('body', `Malformed multipart body: ${error.message}`);
      }
      return error;
  }
}
