import type { FastifyInstance } from 'fastify';
import { getStoredImage } from '../../accounts/generation-repository.js';
import type { AppContext } from '../../app-context.js';
import { formatForExtension, MIME_BY_FORMAT } from '../../domain/image-format.js';
import { isSafeStorageKey } from '../../storage/local-disk-store.js';

/** Caches may keep an image at most a year, and never past its expiry. */
const MAX_CACHE_SECONDS = 31_536_000;

export async function storageRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  app.get<{ Params: { file: string } }>('/storage/:file', async (request, reply) => {
    const { file } = request.params;
    const dot = file.lastIndexOf('.');
    const extension = file.slice(dot + 1);
    const format = formatForExtension(extension);
    // The record, not the file, decides: the sweep runs hourly, and retention is a promise to
    // the people in the pictures, so an image is gone the moment it expires.
    const record = format && isSafeStorageKey(file) ? await getStoredImage(context.database.db, file.slice(0, dot)) : undefined;
    const remainingMs = record && record.extension === extension ? record.expiresAt - context.clock() : 0;
    const object = format && remainingMs > 0 ? await context.store.get(file) : undefined;
    if (!format || !object) {
      return reply.code(404).send({ error: { message: 'Image not found. Stored images expire after the retention period.', type: 'invalid_request_error', code: 'image_not_found' } });
    }
    const maxAge = Math.min(MAX_CACHE_SECONDS, Math.floor(remainingMs / 1000));
    return reply
      .header('content-type', MIME_BY_FORMAT[format])
      // Bytes under an id never change, so caches need not revalidate until the image expires.
      .header('cache-control', `public, max-age=${maxAge}, immutable`)
      .header('x-content-type-options', 'nosniff')
      .header('access-control-allow-origin', '*')
      .send(object.bytes);
  });
}
