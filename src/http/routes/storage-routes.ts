import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context.js';
import { formatForExtension, MIME_BY_FORMAT } from '../../images/image-format.js';
import { isSafeStorageKey } from '../../storage/local-disk-store.js';

/** Stored images never change under a given id, so caches may keep them for a year. */
const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';

export async function storageRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  app.get<{ Params: { file: string } }>('/storage/:file', async (request, reply) => {
    const { file } = request.params;
    const extension = file.slice(file.lastIndexOf('.') + 1);
    const format = formatForExtension(extension);
    const object = format && isSafeStorageKey(file) ? await context.store.get(file) : undefined;
    if (!format || !object) {
      return reply.code(404).send({ error: { message: 'Image not found. Stored images expire after the retention period.', type: 'invalid_request_error', code: 'image_not_found' } });
    }
    return reply
      .header('content-type', MIME_BY_FORMAT[format])
      .header('cache-control', IMMUTABLE_CACHE)
      .header('x-content-type-options', 'nosniff')
      .header('access-control-allow-origin', '*')
      .send(object.bytes);
  });
}
