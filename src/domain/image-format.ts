/**
 * Formats the gateway can read or write: the raster formats sharp decodes, and SVG, which only a
 * vector model produces (it is never decoded, converted or accepted as an input image).
 */
export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif' | 'avif' | 'tiff' | 'svg';

/** Raster formats a client may ask for in `output_format`; the gateway converts between them. */
export const RASTER_OUTPUT_FORMATS = ['png', 'jpeg', 'webp'] as const;
export type RasterOutputFormat = (typeof RASTER_OUTPUT_FORMATS)[number];

/** Formats a client may ask for in `output_format`: `svg` only from a model whose capabilities list it. */
export const OUTPUT_FORMATS = [...RASTER_OUTPUT_FORMATS, 'svg'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function isRasterOutputFormat(format: OutputFormat): format is RasterOutputFormat {
  return format !== 'svg';
}

export const MIME_BY_FORMAT: Record<ImageFormat, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  tiff: 'image/tiff',
  svg: 'image/svg+xml',
};

/** File extension used for stored images (no dot). */
export const EXTENSION_BY_FORMAT: Record<ImageFormat, string> = {
  png: 'png',
  jpeg: 'jpeg',
  webp: 'webp',
  gif: 'gif',
  avif: 'avif',
  tiff: 'tiff',
  svg: 'svg',
};

export function formatForExtension(extension: string): ImageFormat | undefined {
  const lower = extension.toLowerCase();
  if (lower === 'jpg') return 'jpeg';
  return (Object.keys(EXTENSION_BY_FORMAT) as ImageFormat[]).find((format) => EXTENSION_BY_FORMAT[format] === lower);
}

/**
 * A raster format, for code that encodes pixels. Capabilities keep `svg` away from raster routes
 * (`output_formats`), so reaching here with it is a bug, not a client error.
 */
export function requireRasterFormat(format: OutputFormat): RasterOutputFormat {
  if (!isRasterOutputFormat(format)) throw new Error(`A raster encoder was asked for '${format}'`);
  return format;
}
