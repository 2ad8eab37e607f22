import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context.js';
import { creditsSummary } from '../../accounts/credits-summary.js';
import { authenticate } from '../plugins/authenticate.js';

export async function creditsRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  app.addHook('onRequest', authenticate(context.findKey));
  app.get<{ Querystring: { by_api_key?: string } }>('/v1/credits', async (request) => {
    const auth = request.auth;
    if (!auth) throw new Error('credits route reached without authentication');
    return creditsSummary(context.database.db, auth.accountId, { byApiKey: request.query.by_api_key === 'true' });
  });
}
