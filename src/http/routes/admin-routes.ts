import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app-context.js';
import { createApiKey, listApiKeys, revokeApiKey } from '../../accounts/api-key-repository.js';
import { getGeneration, type GenerationRecord } from '../../accounts/generation-repository.js';
import { microsToUsd, usdToMicros } from '../../domain/money.js';
import { ApiError, invalidParam } from '../../errors/api-error.js';
import { authenticate } from '../plugins/authenticate.js';

const createKeySchema = z.object({
  name: z.string({ error: "'name' must be a string" }).trim().min(1, "'name' is a required parameter").max(200),
  credits: z.number({ error: "'credits' must be a number of USD" }).nonnegative("'credits' must not be negative").nullable().optional(),
  admin: z.boolean({ error: "'admin' must be a boolean" }).optional(),
});

/** Key management for operators (admin keys only). */
export async function adminRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  const db = context.database.db;
  app.register(async (admin) => {
    admin.addHook('onRequest', authenticate(context.findKey, { admin: true }));

    admin.get('/v1/admin/keys', async () => ({
      data: (await listApiKeys(db)).map(({ apiKey, account }) => ({
        id: apiKey.id,
        name: apiKey.name,
        prefix: apiKey.keyPrefix,
        admin: apiKey.isAdmin,
        account_id: account.id,
        balance_micros: account.balanceMicros,
        created_at: apiKey.createdAt,
        revoked_at: apiKey.revokedAt,
        last_used_at: apiKey.lastUsedAt,
      })),
    }));

    admin.post('/v1/admin/keys', async (request, reply) => {
      const parsed = createKeySchema.safeParse(request.body ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw invalidParam(String(issue?.path[0] ?? 'body'), issue?.message ?? 'Invalid request');
      }
      const { name, credits, admin: isAdmin } = parsed.data;
      const created = await createApiKey(db, { name, admin: isAdmin ?? false, creditsMicros: credits === undefined || credits === null ? null : usdToMicros(credits) });
      return reply.code(201).send({ id: created.apiKey.id, name: created.apiKey.name, key: created.key, account_id: created.account.id });
    });

    admin.delete<{ Params: { id: string } }>('/v1/admin/keys/:id', async (request) => {
      const revoked = await revokeApiKey(db, request.params.id);
      if (!revoked) throw new ApiError({ kind: 'not_found', param: 'id', message: `No active key '${request.params.id}'.` });
      return { id: request.params.id, revoked: true };
    });
  });

  /** A generation record: its owner's account, or any for an admin. */
  app.register(async (scoped) => {
    scoped.addHook('onRequest', authenticate(context.findKey));
    scoped.get<{ Params: { id: string } }>('/v1/generations/:id', async (request) => {
      const auth = request.auth;
      const generation = await getGeneration(db, request.params.id);
      if (!auth || !generation || (!auth.isAdmin && generation.accountId !== auth.accountId)) {
        throw new ApiError({ kind: 'not_found', param: 'id', message: `No generation '${request.params.id}'.` });
      }
      return generationBody(generation, context.config.publicUrl);
    });
  });
}

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
    ...(generation.status === 'success' ? { data: generation.outputIds.map((key) => ({ url: `${publicUrl}/storage/${key}` })) } : {}),
    ...(generation.status === 'error'
      ? { error: { message: generation.errorMessage ?? 'The generation failed.', type: generation.errorType ?? 'internal_error', status: generation.httpStatus ?? 500 } }
      : {}),
    warnings: generation.warnings,
    attempts: generation.attempts,
  };
}
