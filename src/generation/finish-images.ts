import { loadSharp } from '../images/load-sharp.js';
import { UpstreamError } from '../errors/upstream-error.js';
import { convertImage, imageSize } from '../images/convert-image.js';
import type { ImageFormat, OutputFormat, RasterOutputFormat } from '../domain/image-format.js';
import { readImageHeader } from '../images/read-image-header.js';
import { isSvgDocument, readSvgSize } from '../images/read-svg.js';
import { sniffImageFormat } from '../images/sniff-image-format.js';
import type { ProviderImage } from '../providers/provider.js';
import type { GenerationPorts } from './generation-ports.js';
import { base64Prefix, decodeBase64Text, type Base64Text } from '../domain/base64-text.js';
import type { FinishedImage } from '../domain/finished-image.js';

export interface FinishImagesInput {
  images: Array<{ image: ProviderImage; provider: string }>;
  outputFormat: OutputFormat;
  signal: AbortSignal;
}

/** Enough base64 for a header (PNG IHDR, WebP VP8X, JPEG SOF after EXIF/ICC); a multiple of 4. */
const HEADER_BASE64_CHARS = 128 * 1024;
/** What the cheap header reader needs for PNG, GIF and WebP; JPEG may need the longer prefix. */
const SHORT_HEADER_BASE64_CHARS = 64;

/**
 * Downloads, verifies (magic bytes and header) and converts provider images. Bytes already in the
 * requested format are kept as they are; base64 text in the requested format stays text, passed
 * through to a base64 response without being decoded and encoded again, and decoded only where
 * bytes are written (`storage/store-generated-images.ts`).
 */
export async function finishImages(ports: Pick<GenerationPorts, 'downloadResult'>, input: FinishImagesInput): Promise<FinishedImage[]> {
  return Promise.all(
    input.images.map(async ({ image, provider }) => {
      const finished = await finishImage(ports, input, image, provider);
      return image.revisedPrompt === undefined ? finished : { ...finished, revisedPrompt: image.revisedPrompt };
    }),
  );
}

async function finishImage(
  ports: Pick<GenerationPorts, 'downloadResult'>,
  input: FinishImagesInput,
  image: ProviderImage,
  provider: string,
): Promise<FinishedImage> {
  if (input.outputFormat === 'svg') {
    const bytes =
      'base64' in image
        ? decodeBase64(image.base64, provider)
        : 'url' in image
          ? await ports.downloadResult(image.url, provider, input.signal)
          : image.bytes;
    return finishSvg(bytes, provider);
  }
  const outputFormat = input.outputFormat;
  if ('base64' in image) {
    // Text already in the requested format needs only its header read; anything else, the bytes.
    const header = await readBase64Header(image.base64);
    if (header?.format === outputFormat) {
      return { format: header.format, width: header.width, height: header.height, base64: image.base64, decoded: undefined };
    }
    return finishBytes(decodeBase64(image.base64, provider), outputFormat, provider);
  }
  const bytes = 'url' in image ? await ports.downloadResult(image.url, provider, input.signal) : image.bytes;
  return finishBytes(bytes, outputFormat, provider);
}

/**
 * A vector model's answer: it must be an SVG document, and it stays one (never rasterised, and a
 * raster image where SVG was promised is an upstream error). The size comes from the root's
 * attributes; 0×0 records a document without an intrinsic size.
 */
function finishSvg(bytes: Buffer, provider: string): FinishedImage {
  if (!isSvgDocument(bytes)) {
    throw new UpstreamError({
      provider,
      kind: 'upstream_error',
      message: `The provider '${provider}' returned data that is not an SVG document.`,
    });
  }
  const size = readSvgSize(bytes) ?? { width: 0, height: 0 };
  return { format: 'svg', width: size.width, height: size.height, base64: undefined, decoded: bytes };
}

async function finishBytes(bytes: Buffer, outputFormat: RasterOutputFormat, provider: string): Promise<FinishedImage> {
  const format = sniffImageFormat(bytes);
  if (!format)
    throw new UpstreamError({
      provider,
      kind: 'upstream_error',
      message: `The provider '${provider}' returned data that is not an image.`,
    });
  try {
    const converted = format === outputFormat ? bytes : await convertImage(bytes, format, outputFormat);
    const size = readImageHeader(converted) ?? (await imageSize(converted));
    return { format: outputFormat, width: size.width, height: size.height, base64: undefined, decoded: converted };
  } catch (error) {
    throw new UpstreamError({
      provider,
      kind: 'upstream_error',
      message: `The provider '${provider}' returned a corrupt image.`,
      cause: error,
    });
  }
}

/** Format and size from the first bytes only; `undefined` when the header can't be read that way. */
async function readBase64Header(base64: Base64Text): Promise<{ format: ImageFormat; width: number; height: number } | undefined> {
  const short = readImageHeader(Buffer.from(base64Prefix(base64, SHORT_HEADER_BASE64_CHARS), 'base64'));
  if (short && short.format !== 'jpeg') return short;
  const prefix = Buffer.from(base64Prefix(base64, HEADER_BASE64_CHARS), 'base64');
  const header = readImageHeader(prefix);
  if (header) return header;
  const format = sniffImageFormat(prefix);
  if (!format) return undefined;
  try {
    const sharp = await loadSharp();
    const metadata = await sharp(prefix).metadata();
    if (!metadata.width || !metadata.height) return undefined;
    const rotated = (metadata.orientation ?? 1) >= 5;
    return { format, width: rotated ? metadata.height : metadata.width, height: rotated ? metadata.width : metadata.height };
  } catch {
    return undefined;
  }
}

function decodeBase64(base64: Base64Text, provider: string): Buffer {
  const bytes = decodeBase64Text(base64);
  if (bytes.length === 0)
    throw new UpstreamError({ provider, kind: 'upstream_error', message: `The provider '${provider}' returned an empty image.` });
  return bytes;
}
