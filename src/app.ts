import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AppContext } from './app-context.js';
import { registerErrorHandler } from './http/plugins/error-handler.js';
import { adminRoutes } from './http/routes/admin-routes.js';
import { creditsRoutes } from './http/routes/credits-routes.js';
import { docsRoutes } from './http/routes/docs-routes.js';
import { imageRoutes } from './http/routes/image-routes.js';
import { modelRoutes } from './http/routes/model-routes.js';
import { operationsRoutes } from './http/routes/operations-routes.js';
import { storageRoutes } from './http/routes/storage-routes.js';
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
    // Generous: model ids contain slashes and colons.
    routerOptions: { maxParamLength: 500, ignoreTrailingSlash: true },
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

  await app.register(operationsRoutes, context);
  await app.register(docsRoutes, context);
  await app.register(modelRoutes, context);
  await app.register(storageRoutes, context);
  await app.register(creditsRoutes, context);
  await app.register(adminRoutes, context);
  await app.register(imageRoutes, context);
  return app;
}
