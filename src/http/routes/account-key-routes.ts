import type { FastifyPluginAsync } from 'fastify';
import type { ApiKeyWithAccount } from '../../accounts/account-records.js';
import { ADMIN_SCOPES, DEFAULT_SCOPES, type ApiKeyScope } from '../../accounts/api-key-limits.js';
import type { ApiKeyService, Caller } from '../../accounts/api-key-service.js';
import { ApiError } from '../../errors/api-error.js';
import { authenticate, callerOf, type FindKey } from '../plugins/authenticate.js';
import { accountKeyBodyError, accountKeyCreateBodySchema, accountKeyUpdateBodySchema } from '../schemas/account-key-schemas.js';
import { keyUpdateFromBody, limitsFromBody, serializeApiKey } from '../schemas/api-key-schemas.js';

export interface AccountKeyRoutesOptions {
  findKey: FindKey;
  keys: ApiKeyService;
  clock: () => number;
}

/**
 * A user's own keys: list, create, update and revoke the keys of the caller's account. A key that
 * may generate and read may hand out at most its own scopes, so nobody mints an admin key here.
 */
export const accountKeyRoutes: FastifyPluginAsync<AccountKeyRoutesOptions> = async (app, { findKey, keys, clock }) => {
  app.addHook('onRequest', authenticate(findKey, 'generate', 'read'));

  /** Another account's key, an unknown or revoked one: all the same 404, so ids are not confirmed to strangers. */
  const ownKey = async (caller: Caller, id: string): Promise<ApiKeyWithAccount> => {
    const found = await keys.get(id);
    if (!found || found.account.id !== caller.accountId || found.apiKey.revokedAt !== null) {
      throw new ApiError({ kind: 'not_found', param: 'id', message: `No active key '${id}' in your account.` });
    }
    // An operator's key in the same account stays the operator's to change.
    if (found.apiKey.isAdmin && !caller.isAdmin) {
      throw new ApiError({ kind: 'permission', param: 'id', message: `Key '${id}' is an admin key: only an admin key may change it.` });
    }
    return found;
  };

  app.get('/v1/keys', async (request) => {
    const now = clock();
    return { data: (await keys.listForAccount(callerOf(request).accountId)).map((key) => serializeApiKey(key, now)) };
  });

  app.post('/v1/keys', async (request, reply) => {
    const caller = callerOf(request);
    const parsed = accountKeyCreateBodySchema.safeParse(request.body ?? {});
    if (!parsed.success) throw accountKeyBodyError(parsed.error);
    const { name, admin: isAdmin, ...limitsBody } = parsed.data;
    checkScopes(caller, limitsBody.scopes ?? (isAdmin ? ADMIN_SCOPES : DEFAULT_SCOPES));
    const created = await keys.create({
      name,
      admin: isAdmin ?? false,
      accountId: caller.accountId,
      ...limitsFromBody(limitsBody, null),
    });
    const serialized = serializeApiKey({ apiKey: created.apiKey, account: created.account }, clock());
    // `key` is the only time the secret is shown.
    return reply.code(201).send({ ...serialized, key: created.key });
  });

  app.patch<{ Params: { id: string } }>('/v1/keys/:id', async (request) => {
    const caller = callerOf(request);
    const parsed = accountKeyUpdateBodySchema.safeParse(request.body ?? {});
    if (!parsed.success) throw accountKeyBodyError(parsed.error);
    const current = await ownKey(caller, request.params.id);
    if (parsed.data.scopes !== undefined) checkScopes(caller, parsed.data.scopes);
    const updated = await keys.update(request.params.id, keyUpdateFromBody(parsed.data, current.apiKey.limits.spendLimit));
    if (!updated) throw new ApiError({ kind: 'not_found', param: 'id', message: `No active key '${request.params.id}' in your account.` });
    return serializeApiKey(updated, clock());
  });

  app.delete<{ Params: { id: string } }>('/v1/keys/:id', async (request) => {
    const found = await ownKey(callerOf(request), request.params.id);
    // By id, never by prefix: the ownership check above was for this id.
    if (!(await keys.revoke(found.apiKey.id))) {
      throw new ApiError({ kind: 'not_found', param: 'id', message: `No active key '${request.params.id}' in your account.` });
    }
    return { id: found.apiKey.id, revoked: true };
  });
};

/** A key may grant only scopes it has itself; `admin` therefore only from an admin key. */
function checkScopes(caller: Caller, requested: readonly ApiKeyScope[]): void {
  const beyond = requested.filter((scope) => !caller.scopes.includes(scope));
  if (beyond.length > 0) {
    throw new ApiError({
      kind: 'permission',
      param: 'scopes',
      message: `'scopes' may not exceed your key's own (${caller.scopes.join(', ')}): ${beyond.join(', ')} is not yours to grant.`,
    });
  }
}
