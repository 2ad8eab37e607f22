import type { FastifyPluginAsync } from 'fastify';
import type { AdminConfigJson } from '../admin-config-json.js';
import { authenticate, type FindKey } from '../plugins/authenticate.js';

export interface AdminConfigRoutesOptions {
  findKey: FindKey;
  /** Read per request: the public URL of a server on port 0 is known only once it listens. */
  effectiveConfig: () => AdminConfigJson;
}

/** `GET /v1/admin/config`: the effective configuration with secrets masked (admin keys only). */
export const adminConfigRoutes: FastifyPluginAsync<AdminConfigRoutesOptions> = async (app, { findKey, effectiveConfig }) => {
  app.addHook('onRequest', authenticate(findKey, 'admin'));
  app.get('/v1/admin/config', async () => effectiveConfig());
};
