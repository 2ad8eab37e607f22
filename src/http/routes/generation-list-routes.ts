import type { FastifyPluginAsync } from 'fastify';
import { invalidParamFromZod } from '../../errors/invalid-param-from-zod.js';
import { generationBody } from '../../generation/generation-body.js';
import type { GenerationService } from '../../generation/generation-service.js';
import type { HostedImageUrls } from '../../storage/hosted-image-urls.js';
import { authenticate, callerOf, type FindKey } from '../plugins/authenticate.js';
import { GENERATION_LIST_DEFAULT_LIMIT, generationListQuerySchema } from '../schemas/generation-list-schemas.js';

export interface GenerationListRoutesOptions {
  findKey: FindKey;
  generations: GenerationService;
  hostedUrls: HostedImageUrls;
}

/** The caller's account's generations, newest first; each item is what `GET /v1/generations/{id}` answers. */
export const generationListRoutes: FastifyPluginAsync<GenerationListRoutesOptions> = async (app, { findKey, generations, hostedUrls }) => {
  app.addHook('onRequest', authenticate(findKey, 'read'));
  app.get('/v1/generations', async (request) => {
    const parsed = generationListQuerySchema.safeParse(request.query ?? {});
    if (!parsed.success) throw invalidParamFromZod(parsed.error, 'query');
    const { limit, cursor, model, status, api_key_id: apiKeyId } = parsed.data;
    const page = await generations.list(
      {
        accountId: callerOf(request).accountId,
        ...(model === undefined ? {} : { model }),
        ...(status === undefined ? {} : { status }),
        ...(apiKeyId === undefined ? {} : { apiKeyId }),
      },
      { limit: limit ?? GENERATION_LIST_DEFAULT_LIMIT, ...(cursor === undefined ? {} : { cursor }) },
    );
    // Only generations that asked for a webhook have a delivery: the others cost no query.
    const data = await Promise.all(
      page.generations.map(async (generation) =>
        generationBody(
          generation,
          generation.webhookUrl == null ? undefined : await generations.webhookDelivery(generation.id),
          await hostedUrls.ofGeneration(generation),
        ),
      ),
    );
    return { data, next_cursor: page.nextCursor };
  });
};
