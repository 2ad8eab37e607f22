/**
 * The Imagen `:predict` wire format: the request we send (complete) and the few response fields
 * we read. Responses are read leniently: unknown fields are ignored, a field of the wrong type
 * counts as absent.
 */

export interface ImagenRequestBody {
  instances: Array<{ prompt: string }>;
  parameters: {
    /** Always sent: some models default to 4. */
    sampleCount: number;
    aspectRatio?: string;
    /** `1K` / `2K`, Imagen 4 standard and ultra only (the SDK's `imageSize`). */
    sampleImageSize?: string;
    personGeneration?: string;
    safetySetting?: string;
    /** Filtered images then come back as `{raiFilteredReason}` instead of vanishing. */
    includeRaiReason: true;
    outputOptions: { mimeType: 'image/png' | 'image/jpeg'; compressionQuality?: number };
  };
}

export interface ImagenResponse {
  /** Delivered images: base64 text exactly as sent, with its declared type. */
  images: Array<{ data: string; mimeType: string | undefined }>;
  /** `raiFilteredReason` of every filtered image (with `includeRaiReason: true`). */
  filteredReasons: string[];
}

type JsonObject = Record<string, unknown>;

/**
 * `undefined` when the body is not a JSON object. `{}` (everything filtered without
 * `includeRaiReason`) reads as no images and no reasons.
 */
export function readImagenResponse(body: unknown): ImagenResponse | undefined {
  if (!isObject(body)) return undefined;
  const predictions = Array.isArray(body['predictions']) ? body['predictions'].filter(isObject) : [];
  const images: ImagenResponse['images'] = [];
  const filteredReasons: string[] = [];
  for (const prediction of predictions) {
    // Some answers nest the bytes under `image` (Vertex); both spellings are read.
    const nested = isObject(prediction['image']) ? prediction['image'] : undefined;
    const data = stringOf(prediction['bytesBase64Encoded']) ?? stringOf(nested?.['bytesBase64Encoded']);
    const reason = stringOf(prediction['raiFilteredReason']);
    if (data !== undefined) images.push({ data, mimeType: stringOf(prediction['mimeType']) ?? stringOf(nested?.['mimeType']) });
    else if (reason !== undefined) filteredReasons.push(reason);
  }
  return { images, filteredReasons };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const stringOf = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);
