import type { FastifyPluginAsync } from 'fastify';
import { ApiError } from '../../errors/api-error.js';
import type { GenerationService } from '../../generation/generation-service.js';
import { authenticate, callerOf, type FindKey } from '../plugins/authenticate.js';

export interface GenerationEraseRoutesOptions {
  findKey: FindKey;
  generations: GenerationService;
}

/**
 * `DELETE /v1/generations/{id}`: its owner (or an admin) deletes the generation's images and prompt
 * now instead of at the end of the retention. A key that may generate may erase; a read-only key may not.
 */
export const generationEraseRoutes: FastifyPluginAsync<GenerationEraseRoutesOptions> = async (app, { findKey, generations }) => {
  app.addHook('onRequest', authenticate(findKey, 'generate'));
  app.delete<{ Params: { id: string } }>('/v1/generations/:id', async (request) => {
    const caller = callerOf(request);
    const generation = await generations.get(request.params.id);
    // Someone else's generation is as absent as an unknown one: ids are not confirmed to strangers.
    if (!generation || (!caller.isAdmin && generation.accountId !== caller.accountId)) {
      throw new ApiError({ kind: 'not_found', param: 'id', message: `No generation '${request.params.id}'.` });
    }
    // A running generation may still store images, which would outlive the erasure.
    if (generation.status === 'processing') {
      throw new ApiError({
        kind: 'invalid_request',
        status: 409,
        param: 'id',
        code: 'generation_running',
        message: `Generation '${generation.id}' is still running; delete it once it finished.`,
      });
    }
    const imagesDeleted = await generations.eraseImages(generation.id);
    return { id: generation.id, object: 'image.generation', deleted: true, images_deleted: imagesDeleted };
  });
};
