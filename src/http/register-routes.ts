import type { FastifyInstance } from 'fastify';
import type { HttpServices } from './http-services.js';
import { declareRequestAuth } from './plugins/authenticate.js';
import { accountKeyRoutes } from './routes/account-key-routes.js';
import { accountUsageRoutes } from './routes/account-usage-routes.js';
import { adminAccountRoutes } from './routes/admin-account-routes.js';
import { adminConfigRoutes } from './routes/admin-config-routes.js';
import { adminProviderRoutes } from './routes/admin-provider-routes.js';
import { adminRoutes } from './routes/admin-routes.js';
import { adminUsageRoutes } from './routes/admin-usage-routes.js';
import { creditsRoutes } from './routes/credits-routes.js';
import { dashboardRoutes } from './routes/dashboard-routes.js';
import { docsRoutes } from './routes/docs-routes.js';
import { generationListRoutes } from './routes/generation-list-routes.js';
import { generationRoutes } from './routes/generation-routes.js';
import { generationEraseRoutes } from './routes/generation-erase-routes.js';
import { imageRoutes } from './routes/image-routes.js';
import { keyInfoRoutes } from './routes/key-info-routes.js';
import { mcpRoutes } from './routes/mcp-routes.js';
import { modelRouteHealthRoutes } from './routes/model-route-health-routes.js';
import { modelRoutes } from './routes/model-routes.js';
import { operationsRoutes } from './routes/operations-routes.js';
import { storageRoutes } from './routes/storage-routes.js';
import { webhookRoutes } from './routes/webhook-routes.js';

/** Every route plugin, each given only the services it uses. */
export async function registerRoutes(app: FastifyInstance, services: HttpServices, clock: () => number): Promise<void> {
  const { settings } = services;
  const findKey = services.keys.authenticate;
  declareRequestAuth(app);
  await app.register(operationsRoutes, { readiness: services.readiness, metrics: services.metrics, metricsToken: settings.metricsToken });
  await app.register(docsRoutes, { publicUrl: settings.publicUrl });
  await app.register(dashboardRoutes, { assets: services.dashboard });
  await app.register(modelRoutes, { catalog: services.catalog });
  await app.register(storageRoutes, { storedImages: services.storedImages });
  await app.register(creditsRoutes, { findKey, credits: services.credits });
  await app.register(adminRoutes, { findKey, keys: services.keys, clock });
  await app.register(webhookRoutes, { findKey, webhookSecrets: services.webhookSecrets });
  await app.register(adminAccountRoutes, { findKey, accounts: services.accountAdmin });
  await app.register(adminUsageRoutes, { findKey, usage: services.usage });
  await app.register(adminProviderRoutes, { findKey, providerHealth: services.providerHealth });
  await app.register(generationRoutes, { findKey, generations: services.generations, hostedUrls: services.hostedUrls });
  await app.register(generationEraseRoutes, { findKey, generations: services.generations });
  // The dashboard's API: a user's own key, generations, usage and keys; route health; the admin's config view.
  await app.register(keyInfoRoutes, { findKey, keys: services.keys, clock });
  await app.register(generationListRoutes, { findKey, generations: services.generations, hostedUrls: services.hostedUrls });
  await app.register(accountUsageRoutes, { findKey, usage: services.usage });
  await app.register(accountKeyRoutes, { findKey, keys: services.keys, clock });
  await app.register(modelRouteHealthRoutes, { findKey, catalog: services.catalog, providerHealth: services.providerHealth });
  await app.register(adminConfigRoutes, { findKey, effectiveConfig: services.effectiveConfig });
  await app.register(imageRoutes, { findKey, generations: services.generations, settings, clock });
  await app.register(mcpRoutes, {
    findKey,
    generations: services.generations,
    catalog: services.catalog,
    storedImages: services.storedImages,
    maxRequestBytes: settings.maxRequestBytes,
  });
}
