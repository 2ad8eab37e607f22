import type { CallToolResult, ImageContent, TextContent } from '@modelcontextprotocol/sdk/types.js';
import { MIME_BY_FORMAT } from '../domain/image-format.js';
import { ApiError } from '../errors/api-error.js';
import { GenerationFailure, type GenerationOutput } from '../generation/generate-images.js';
import { previewImage, type PreviewLimits } from '../images/preview-image.js';
import type { StoredImageReader } from '../storage/stored-image-reader.js';
import type { ImageToolOutput } from './tool-schemas.js';

/**
 * An agent sees the image inline; the hosted URL keeps the full-size original. 1024 px is as much
 * as vision models look at, and a few hundred KB keep a context window affordable.
 */
export const PREVIEW_LIMITS: PreviewLimits = { maxSide: 1024, maxBytes: 512 * 1024 };

/** Reports a failure that is the gateway's fault: logged, never shown to the agent as is. */
export type ReportInternalError = (error: unknown, context: string) => void;

/**
 * A successful generation: a summary with the hosted URLs, cost and id (text, and the same as
 * structured content), then each image inline, downscaled when large. The images were stored by
 * the use case (`response_format: 'url'`); their bytes are read back from storage.
 */
export async function imageToolResult(
  output: GenerationOutput,
  storedImages: StoredImageReader,
  reportError: ReportInternalError,
): Promise<CallToolResult> {
  const urls = output.data.flatMap((item) => ('url' in item ? [item.url] : []));
  const structured: ImageToolOutput = {
    id: output.id,
    urls,
    cost: output.cost,
    latency: output.latency,
    warnings: output.warnings.map((warning) => warning.message),
  };
  const previews = await Promise.all(urls.map((url, index) => previewContent(url, index, storedImages, reportError)));
  const lines = [
    `Generation ${output.id}: ${urls.length} image${urls.length === 1 ? '' : 's'}, cost ${output.cost} USD, ${output.latency} ms.`,
    ...urls.map((url, index) => `Image ${index + 1}: ${url}${previews[index]?.note ?? ''}`),
    ...structured.warnings.map((warning) => `Warning: ${warning}`),
  ];
  const content: Array<TextContent | ImageContent> = [{ type: 'text', text: lines.join('\n') }];
  for (const preview of previews) if (preview?.image) content.push(preview.image);
  return { content, structuredContent: structured };
}

interface PreviewContent {
  image: ImageContent | undefined;
  /** Appended to the image's line of the summary. */
  note: string;
}

async function previewContent(
  url: string,
  index: number,
  storedImages: StoredImageReader,
  reportError: ReportInternalError,
): Promise<PreviewContent> {
  try {
    const stored = await storedImages.read(storedFileOf(url));
    if (!stored) return { image: undefined, note: ' (no preview: the stored image could not be read)' };
    // Rendering SVG would rasterise an untrusted document here, and clients differ on showing it inline.
    if (stored.format === 'svg') return { image: undefined, note: ' (an SVG document: no inline preview; the URL has it)' };
    const preview = await previewImage(stored.bytes, stored.format, PREVIEW_LIMITS);
    const image: ImageContent = { type: 'image', data: preview.bytes.toString('base64'), mimeType: MIME_BY_FORMAT[preview.format] };
    return {
      image,
      note: preview.downscaled ? ` (preview below downscaled to ${preview.width}x${preview.height}; the URL has the original)` : '',
    };
  } catch (error) {
    // The generation succeeded and was charged: a failed preview must not turn it into an error.
    reportError(error, `preview of image ${index + 1}`);
    return { image: undefined, note: ' (no preview)' };
  }
}

/** Hosted URLs are `{PUBLIC_URL}/storage/{file}`; the reader refuses any name it did not store. */
function storedFileOf(url: string): string {
  return new URL(url).pathname.split('/').pop() ?? '';
}

/**
 * A failure as the agent sees it: `isError` with the gateway's message first, then what an HTTP
 * client would read from the status and body (status, type, param, code, generation id).
 */
export function toolErrorResult(error: unknown, reportError: ReportInternalError): CallToolResult {
  const apiError = error instanceof GenerationFailure ? error.error : error instanceof ApiError ? error : undefined;
  const generationId = error instanceof GenerationFailure ? error.generationId : undefined;
  if (!apiError || apiError.status >= 500) reportError(error, 'tool call failed');
  const shown = apiError ?? new ApiError({ kind: 'internal', message: 'Internal server error' });
  const details = [
    `HTTP ${shown.status} ${shown.type}`,
    ...(shown.param ? [`param '${shown.param}'`] : []),
    ...(shown.code ? [`code ${shown.code}`] : []),
    ...(shown.retryAfterMs !== undefined ? [`retry after ${Math.max(1, Math.ceil(shown.retryAfterMs / 1000))} s`] : []),
    ...(generationId ? [`generation ${generationId}`] : []),
  ];
  return { content: [{ type: 'text', text: `${shown.message}\n(${details.join(', ')})` }], isError: true };
}
