/** Raster formats the gateway can read. Output is always one of `OutputFormat`. */
export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif' | 'avif' | 'tiff';

/** Formats a client may ask for in `output_format`. */
export const OUTPUT_FORMATS = ['png', 'jpeg', 'webp'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const MIME_BY_FORMAT: Record<ImageFormat, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  tiff: 'image/tiff',
};

/** File extension used for stored images (no dot). */
export const EXTENSION_BY_FORMAT: Record<ImageFormat, string> = {
  png: 'png',
  jpeg: 'jpeg',
  webp: 'webp',
  gif: 'gif',
  avif: 'avif',
  tiff: 'tiff',
};

export function formatForExtension(extension: string): ImageFormat | undefined {
  const lower = extension.toLowerCase();
  if (lower === 'jpg') return 'jpeg';
  return (Object.keys(EXTENSION_BY_FORMAT) as ImageFormat[]).find((format) => EXTENSION_BY_FORMAT[format] === lower);
}
