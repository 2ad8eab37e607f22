import type { FastifyPluginAsync } from 'fastify';
import type { ApiKeyService } from '../../accounts/api-key-service.js';
import { microsToUsd } from '../../domain/money.js';
import { ApiError } from '../../errors/api-error.js';
import { authenticate, callerOf, type FindKey } from '../plugins/authenticate.js';
import { serializeApiKey } from '../schemas/api-key-schemas.js';

export interface KeyInfoRoutesOptions {
  findKey: FindKey;
  keys: ApiKeyService;
  clock: () => number;
}

/** `GET /v1/key`: the calling key and its account, for any valid key (a client learns what it may do). */
export const keyInfoRoutes: FastifyPluginAsync<KeyInfoRoutesOptions> = async (app, { findKey, keys, clock }) => {
  app.addHook('onRequest', authenticate(findKey));
  app.get('/v1/key', async (request) => {
    const caller = callerOf(request);
    const found = await keys.get(caller.apiKeyId);
    // Revoked between authentication and this read: as invalid as any revoked key.
    if (!found || found.apiKey.revokedAt !== null) {
      throw new ApiError({ kind: 'authentication', message: 'Invalid API key', code: 'invalid_api_key' });
    }
    const key = serializeApiKey(found, clock());
    const { account } = found;
    return {
      id: key.id,
      name: key.name,
      prefix: key.prefix,
      scopes: key.scopes,
      admin: key.admin,
      expires_at: key.expires_at,
      spend_limit: key.spend_limit,
      requests_per_minute: key.requests_per_minute,
      max_concurrent_generations: key.max_concurrent_generations,
      account: {
        id: account.id,
        name: account.name,
        unlimited: account.balanceMicros === null,
        balance_micros: account.balanceMicros,
        balance: account.balanceMicros === null ? null : microsToUsd(account.balanceMicros),
      },
    };
  });
};
