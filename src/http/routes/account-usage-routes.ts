import type { FastifyPluginAsync } from 'fastify';
import type { UsageService } from '../../accounts/admin-services.js';
import { authenticate, callerOf, type FindKey } from '../plugins/authenticate.js';
import { replyWithUsage } from '../usage-reply.js';

/** The caller's own account's usage: `GET /v1/admin/usage` pinned to that account (keys with `read`). */
export const accountUsageRoutes: FastifyPluginAsync<{ findKey: FindKey; usage: UsageService }> = async (app, { findKey, usage }) => {
  app.addHook('onRequest', authenticate(findKey, 'read'));
  app.get('/v1/usage', (request, reply) => replyWithUsage(request, reply, usage, callerOf(request).accountId));
};
