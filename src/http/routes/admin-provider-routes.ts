import type { FastifyPluginAsync } from 'fastify';
import { HEALTH_WINDOW_CALLS } from '../../routing/provider-health.js';
import { providerHealthJson } from '../admin-json.js';
import type { ProviderHealthView } from '../http-services.js';
import { authenticate, type FindKey } from '../plugins/authenticate.js';

/** Health of each configured provider instance as this process saw it (admin keys only). */
export const adminProviderRoutes: FastifyPluginAsync<{ findKey: FindKey; providerHealth: ProviderHealthView }> = async (
  app,
  { findKey, providerHealth },
) => {
  app.addHook('onRequest', authenticate(findKey, 'admin'));
  app.get('/v1/admin/providers', async () => ({
    scope: 'process' as const,
    window_calls: HEALTH_WINDOW_CALLS,
    data: (await providerHealth.list()).map(providerHealthJson),
  }));
};
