import type { FastifyPluginAsync } from 'fastify';
import type { WebhookSecrets } from '../../accounts/webhook-secrets.js';
import { authenticate, callerOf, type FindKey } from '../plugins/authenticate.js';

export interface WebhookRoutesOptions {
  findKey: FindKey;
  webhookSecrets: WebhookSecrets;
}

/**
 * `POST /v1/webhooks/secret`: creates the account's signing secret or rotates it. The answer is the
 * only time the secret is shown; it is never logged and no endpoint reads it back.
 */
export const webhookRoutes: FastifyPluginAsync<WebhookRoutesOptions> = async (app, { findKey, webhookSecrets }) => {
  app.addHook('onRequest', authenticate(findKey, 'generate'));
  app.post('/v1/webhooks/secret', async (request, reply) => {
    const created = await webhookSecrets.rotate(callerOf(request).accountId);
    reply.code(201).header('cache-control', 'no-store');
    return { secret: created.secret, created_at: new Date(created.createdAt).toISOString() };
  });
};
