import type { FastifyPluginAsync } from 'fastify';
import type { GenerationRecord } from '../../accounts/generation-repository.js';
import { microsToUsd } from '../../domain/money.js';
import { ApiError } from '../../errors/api-error.js';
import type { GenerationService } from '../../generation/generation-service.js';
import type { HttpSettings } from '../http-services.js';
import { authenticate, callerOf, type FindKey } from '../plugins/authenticate.js';

export interface GenerationRoutesOptions {
  findKey: FindKey;
  generations: GenerationService;
  settings: Pick<HttpSettings, 'publicUrl'>;
}

/** A generation record: its owner's account, or any for an admin. Async mode's results are read here. */
export const generationRoutes: FastifyPluginAsync<GenerationRoutesOptions> = async (app, { findKey, generations, settings }) => {
  app.addHook('onRequest', authenticate(findKey, 'read'));
  app.get<{ Params: { id: string } }>('/v1/generations/:id', async (request) => {
    const caller = callerOf(request);
    const generation = await generations.get(request.params.id);
    // Someone else's generation is as absent as an unknown one: ids are not confirmed to strangers.
    if (!generation || (!caller.isAdmin && generation.accountId !== caller.accountId)) {
      throw new ApiError({ kind: 'not_found', param: 'id', message: `No generation '${request.params.id}'.` });
    }
    return generationBody(generation, settings.publicUrl);
  });
};

/**
 * A generation as its owner sees it: status, cost, attempts, and once finished the hosted images
 * (async mode's result) or the error with the status it would have had.
 */
function generationBody(generation: GenerationRecord, publicUrl: string) {
  return {
    id: generation.id,
    object: 'image.generation',
    status: generation.status,
    model: generation.model,
    created: generation.createdAt,
    finished: generation.finishedAt,
    provider: generation.provider,
    cost: microsToUsd(generation.costMicros),
    latency: generation.latencyMs,
    response_format: generation.responseFormat,
    ...(generation.status === 'success'
      ? { data: generation.outputIds.map((key) => ({ revised_prompt: null, url: `${publicUrl}/storage/${key}` })) }
      : {}),
    ...(generation.status === 'error'
      ? {
          error: {
            message: generation.errorMessage ?? 'The generation failed.',
            type: generation.errorType ?? 'internal_error',
            status: generation.httpStatus ?? 500,
          },
        }
      : {}),
    warnings: generation.warnings,
    attempts: generation.attempts,
  };
}
