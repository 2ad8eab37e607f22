import type { FastifyPluginAsync } from 'fastify';
import { MIME_BY_FORMAT } from '../../domain/image-format.js';
import type { StoredImageReader } from '../../storage/stored-image-reader.js';

/** Caches may keep an image at most a year, and never past its expiry. */
const MAX_CACHE_SECONDS = 31_536_000;
/**
 * For hosted SVG: no script, no loads of any kind (inline styles only, which SVG drawings use), and
 * `sandbox` gives the document an opaque origin even if a browser ignored the rest.
 */
export const SVG_CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

export const storageRoutes: FastifyPluginAsync<{ storedImages: StoredImageReader }> = async (app, { storedImages }) => {
  app.get<{ Params: { file: string } }>('/storage/:file', async (request, reply) => {
    const image = await storedImages.read(request.params.file);
    if (!image) {
      return reply.code(404).send({
        error: {
          message: 'Image not found. Stored images expire after the retention period.',
          type: 'invalid_request_error',
          code: 'image_not_found',
        },
      });
    }
    const maxAge = Math.min(MAX_CACHE_SECONDS, Math.floor(image.remainingMs / 1000));
    // An SVG opened from our origin could run script with the dashboard's origin: sandboxed, no fetches.
    if (image.format === 'svg') reply.header('content-security-policy', SVG_CONTENT_SECURITY_POLICY);
    return (
      reply
        .header('content-type', MIME_BY_FORMAT[image.format])
        // Bytes under an id never change, so caches need not revalidate until the image expires.
        .header('cache-control', `public, max-age=${maxAge}, immutable`)
        .header('x-content-type-options', 'nosniff')
        .header('access-control-allow-origin', '*')
        .send(image.bytes)
    );
  });
};
