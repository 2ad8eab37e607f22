import type { FastifyPluginAsync } from 'fastify';
import type { UsageService } from '../../accounts/admin-services.js';
import { authenticate, type FindKey } from '../plugins/authenticate.js';
import { replyWithUsage } from '../usage-reply.js';

/** Usage over recorded generations: rows with cursor paging, totals per group, or CSV (admin keys only). */
export const adminUsageRoutes: FastifyPluginAsync<{ findKey: FindKey; usage: UsageService }> = async (app, { findKey, usage }) => {
  app.addHook('onRequest', authenticate(findKey, 'admin'));
  app.get('/v1/admin/usage', (request, reply) => replyWithUsage(request, reply, usage));
};
