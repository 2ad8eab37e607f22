import type { FastifyPluginAsync } from 'fastify';
import { ApiError } from '../../errors/api-error.js';
import { generationBody } from '../../generation/generation-body.js';
import type { GenerationService } from '../../generation/generation-service.js';
import type { HostedImageUrls } from '../../storage/hosted-image-urls.js';
import { authenticate, callerOf, type FindKey } from '../plugins/authenticate.js';

export interface GenerationRoutesOptions {
  findKey: FindKey;
  generations: GenerationService;
  hostedUrls: HostedImageUrls;
}

/** A generation record: its owner's account, or any for an admin. Async mode's results are read here. */
export const generationRoutes: FastifyPluginAsync<GenerationRoutesOptions> = async (app, { findKey, generations, hostedUrls }) => {
  app.addHook('onRequest', authenticate(findKey, 'read'));
  app.get<{ Params: { id: string } }>('/v1/generations/:id', async (request) => {
    const caller = callerOf(request);
    const generation = await generations.get(request.params.id);
    // Someone else's generation is as absent as an unknown one: ids are not confirmed to strangers.
    if (!generation || (!caller.isAdmin && generation.accountId !== caller.accountId)) {
      throw new ApiError({ kind: 'not_found', param: 'id', message: `No generation '${request.params.id}'.` });
    }
    const [delivery, imageUrls] = await Promise.all([generations.webhookDelivery(generation.id), hostedUrls.ofGeneration(generation)]);
    return generationBody(generation, delivery, imageUrls);
  });
};
