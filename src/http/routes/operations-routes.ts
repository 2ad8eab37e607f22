import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { NotReadyError } from '../../errors/not-ready-error.js';
import type { Metrics } from '../../observability/metrics.js';
import type { ReadinessCheck } from '../http-services.js';

export interface OperationsRoutesOptions {
  readiness: ReadinessCheck;
  metrics: Metrics;
  metricsToken: string | undefined;
}

export const operationsRoutes: FastifyPluginAsync<OperationsRoutesOptions> = async (app, { readiness, metrics, metricsToken }) => {
  app.get('/health', { logLevel: 'warn' }, async () => ({ status: 'ok' }));

  /**
   * Ready when the database and image storage answer: what a load balancer should route on. Redis
   * down is `degraded` and still 200: the gateway serves with in-process limits and breakers meanwhile.
   */
  app.get('/ready', { logLevel: 'warn' }, async (request, reply) => {
    try {
      const checked = await readiness.check();
      return { status: checked.redis === 'degraded' ? 'degraded' : 'ready', ...checked };
    } catch (error) {
      const notReady = error instanceof NotReadyError ? error : new NotReadyError('database', 'The database does not answer.');
      // The detail (which bucket, which status) is for the operator's logs; the body names only what is down.
      request.log.warn({ err: notReady.cause ?? error, dependency: notReady.dependency }, 'not ready');
      return reply.code(503).send({
        status: 'not_ready',
        [notReady.dependency]: 'unavailable',
        error: { message: notReady.message, type: 'service_unavailable' },
      });
    }
  });

  // Metrics carry spend per model and provider: with a token set, only a scraper that has it may read them.
  const expected = metricsToken === undefined ? undefined : Buffer.from(`Bearer ${metricsToken}`);
  app.get('/metrics', { logLevel: 'warn' }, async (request, reply) => {
    if (expected && !sameSecret(request.headers.authorization, expected)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="metrics"')
        .send({
          error: {
            message: 'GET /metrics needs Authorization: Bearer <IMAGEROUTER_METRICS_TOKEN>.',
            type: 'unauthorized',
            code: 'metrics_token_required',
          },
        });
    }
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });
};

/** Constant-time comparison, so response timing does not reveal how much of a guess was right. */
function sameSecret(given: string | undefined, expected: Buffer): boolean {
  const bytes = Buffer.from(given ?? '');
  return bytes.length === expected.length && timingSafeEqual(bytes, expected);
}
