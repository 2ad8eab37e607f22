import type { FastifyPluginAsync } from 'fastify';
import type { ApiKeyService } from '../../accounts/api-key-service.js';
import { usdToMicros } from '../../domain/money.js';
import { ApiError } from '../../errors/api-error.js';
import { invalidParamFromZod } from '../../errors/invalid-param-from-zod.js';
import { authenticate, type FindKey } from '../plugins/authenticate.js';
import {
  createApiKeyBodySchema,
  keyUpdateFromBody,
  limitsFromBody,
  serializeApiKey,
  updateApiKeyBodySchema,
} from '../schemas/api-key-schemas.js';

export interface AdminRoutesOptions {
  findKey: FindKey;
  keys: ApiKeyService;
  clock: () => number;
}

/** Key management for operators (admin scope): create with limits, list, read, update, rotate, revoke. */
export const adminRoutes: FastifyPluginAsync<AdminRoutesOptions> = async (app, { findKey, keys, clock }) => {
  app.addHook('onRequest', authenticate(findKey, 'admin'));

  const notFound = (id: string) => new ApiError({ kind: 'not_found', param: 'id', message: `No active key '${id}'.` });

  app.get('/v1/admin/keys', async () => {
    const now = clock();
    return { data: (await keys.list()).map((key) => serializeApiKey(key, now)) };
  });

  app.get<{ Params: { id: string } }>('/v1/admin/keys/:id', async (request) => {
    const found = await keys.get(request.params.id);
    if (!found) throw new ApiError({ kind: 'not_found', param: 'id', message: `No key '${request.params.id}'.` });
    return serializeApiKey(found, clock());
  });

  app.post('/v1/admin/keys', async (request, reply) => {
    const parsed = createApiKeyBodySchema.safeParse(request.body ?? {});
    if (!parsed.success) throw invalidParamFromZod(parsed.error);
    const { name, credits, admin: isAdmin, account_id: accountId } = parsed.data;
    const created = await keys.create({
      name,
      admin: isAdmin ?? false,
      creditsMicros: credits === undefined || credits === null ? null : usdToMicros(credits),
      ...(accountId === undefined ? {} : { accountId }),
      ...limitsFromBody(parsed.data, null),
    });
    const serialized = serializeApiKey({ apiKey: created.apiKey, account: created.account }, clock());
    // `key` is the only time the secret is shown.
    return reply.code(201).send({ ...serialized, key: created.key });
  });

  app.patch<{ Params: { id: string } }>('/v1/admin/keys/:id', async (request) => {
    const parsed = updateApiKeyBodySchema.safeParse(request.body ?? {});
    if (!parsed.success) throw invalidParamFromZod(parsed.error);
    const current = await keys.get(request.params.id);
    if (!current || current.apiKey.revokedAt !== null) throw notFound(request.params.id);
    const updated = await keys.update(request.params.id, keyUpdateFromBody(parsed.data, current.apiKey.limits.spendLimit));
    if (!updated) throw notFound(request.params.id);
    return serializeApiKey(updated, clock());
  });

  app.post<{ Params: { id: string } }>('/v1/admin/keys/:id/rotate', async (request) => {
    const rotated = await keys.rotate(request.params.id);
    if (!rotated) throw notFound(request.params.id);
    const found = await keys.get(request.params.id);
    if (!found) throw notFound(request.params.id);
    return { ...serializeApiKey(found, clock()), key: rotated.key };
  });

  app.delete<{ Params: { id: string } }>('/v1/admin/keys/:id', async (request) => {
    const revoked = await keys.revoke(request.params.id);
    if (!revoked) throw notFound(request.params.id);
    return { id: request.params.id, revoked: true };
  });
};
