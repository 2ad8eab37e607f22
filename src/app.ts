import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AppContext } from './app-context.js';
import { adminConfigJson } from './http/admin-config-json.js';
import type { HttpServices } from './http/http-services.js';
import { loadDashboardAssets } from './http/dashboard-assets.js';
import { noSchemaCompilers } from './http/no-schema-compilers.js';
import { registerErrorHandler } from './http/plugins/error-handler.js';
import { registerRoutes } from './http/register-routes.js';
import { loggerOptions } from './observability/logger-options.js';

export interface BuildAppOptions {
  /** `false` silences request logs (tests and benchmarks). */
  logger?: boolean;
  /** Where log lines go instead of stdout, one JSON line per write (tests capture them). */
  logStream?: { write(line: string): void };
}

/** Builds the HTTP app around a context; `listen` is the caller's business (tests use `inject`). */
export async function buildApp(context: AppContext, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger === false ? false : loggerOptions(context.config.logLevel, options.logStream),
    genReqId: (request) => {
      const header = request.headers['x-request-id'];
      return typeof header === 'string' && /^[\w.-]{1,128}$/.test(header) ? header : randomUUID();
    },
    // Clients wait minutes for slow models; the per-request deadline bounds them instead.
    requestTimeout: 0,
    connectionTimeout: 0,
    keepAliveTimeout: 72_000,
    bodyLimit: 1024 * 1024,
    // Who the client is behind a reverse proxy (`request.ip`, used by the per-IP free-model cap).
    trustProxy: trustProxyOption(context.config.trustProxy),
    // Generous: model ids contain slashes and colons.
    routerOptions: { maxParamLength: 500, ignoreTrailingSlash: true },
    schemaController: noSchemaCompilers,
  });
  registerErrorHandler(app);
  await app.register(cors, { origin: '*', exposedHeaders: ['X-Generation-Id', 'X-ImageRouter-Attempts', 'X-Request-Id'] });
  await app.register(multipart);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    context.metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    context.metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  await registerRoutes(app, httpServices(context), context.clock);
  return app;
}

/** Fastify takes a hop count at run time but types only a function for it. */
function trustProxyOption(setting: AppContext['config']['trustProxy']): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof setting === 'number' ? (_address, hop) => hop < setting : setting;
}

/** The services HTTP may use, out of everything the context holds (never the database handle). */
function httpServices(context: AppContext): HttpServices {
  const { config } = context;
  return {
    settings: {
      // Read per use: a server started on port 0 learns its public URL only once it listens.
      get publicUrl() {
        return config.publicUrl;
      },
      logLevel: config.logLevel,
      maxImageBytes: config.maxImageBytes,
      maxRequestBytes: config.maxRequestBytes,
      heartbeatDelayMs: config.heartbeatDelayMs,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      metricsToken: config.metricsToken,
    },
    keys: context.keys,
    credits: context.credits,
    generations: context.generations,
    catalog: context.catalogQueries,
    storedImages: context.storedImages,
    hostedUrls: context.hostedUrls,
    readiness: context.readiness,
    metrics: context.metrics,
    webhookSecrets: context.webhookSecrets,
    accountAdmin: context.accountAdmin,
    usage: context.usage,
    providerHealth: context.providerHealth,
    dashboard: loadDashboardAssets(),
    effectiveConfig: () => adminConfigJson(config, context.registry.instances(), context.catalog),
  };
}
