import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ApiKeyService } from '../../accounts/api-key-service.js';
import { usdToMicros } from '../../domain/money.js';
import { ApiError } from '../../errors/api-error.js';
import { invalidParamFromZod } from '../../errors/invalid-param-from-zod.js';
import { authenticate, type FindKey } from '../plugins/authenticate.js';

const createKeySchema = z.object({
  name: z.string({ error: "'name' must be a string" }).trim().min(1, "'name' is a required parameter").max(200),
  credits: z.number({ error: "'credits' must be a number of USD" }).nonnegative("'credits' must not be negative").nullable().optional(),
  admin: z.boolean({ error: "'admin' must be a boolean" }).optional(),
});

/** Key management for operators (admin keys only). */
export const adminRoutes: FastifyPluginAsync<{ findKey: FindKey; keys: ApiKeyService }> = async (app, { findKey, keys }) => {
  app.addHook('onRequest', authenticate(findKey, { admin: true }));

  app.get('/v1/admin/keys', async () => ({
    data: (await keys.list()).map(({ apiKey, account }) => ({
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

  app.post('/v1/admin/keys', async (request, reply) => {
    const parsed = createKeySchema.safeParse(request.body ?? {});
    if (!parsed.success) throw invalidParamFromZod(parsed.error);
    const { name, credits, admin: isAdmin } = parsed.data;
    const created = await keys.create({
      name,
      admin: isAdmin ?? false,
      creditsMicros: credits === undefined || credits === null ? null : usdToMicros(credits),
    });
    return reply.code(201).send({ id: created.apiKey.id, name: created.apiKey.name, key: created.key, account_id: created.account.id });
  });

  app.delete<{ Params: { id: string } }>('/v1/admin/keys/:id', async (request) => {
    const revoked = await keys.revoke(request.params.id);
    if (!revoked) throw new ApiError({ kind: 'not_found', param: 'id', message: `No active key '${request.params.id}'.` });
    return { id: request.params.id, revoked: true };
  });
};
