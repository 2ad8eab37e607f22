import type { FastifyPluginAsync } from 'fastify';
import type { CreditsService } from '../../accounts/account-services.js';
import { authenticate, callerOf, type FindKey } from '../plugins/authenticate.js';

export const creditsRoutes: FastifyPluginAsync<{ findKey: FindKey; credits: CreditsService }> = async (app, { findKey, credits }) => {
  app.addHook('onRequest', authenticate(findKey, 'read'));
  app.get<{ Querystring: { by_api_key?: string } }>('/v1/credits', async (request) =>
    credits.summary(callerOf(request).accountId, { byApiKey: request.query.by_api_key === 'true' }),
  );
};
