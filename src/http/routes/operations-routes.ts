import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context.js';

export async function operationsRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  app.get('/health', { logLevel: 'warn' }, async () => ({ status: 'ok' }));

  /** Ready when the database answers: what a load balancer should route on. */
  app.get('/ready', { logLevel: 'warn' }, async (_request, reply) => {
    try {
      await sql`select 1`.execute(context.database.db);
      return { status: 'ready', database: context.database.dialect, models: context.catalog.all().length };
    } catch {
      return reply.code(503).send({ status: 'not_ready', error: { message: 'The database does not answer.', type: 'service_unavailable' } });
    }
  });

  app.get('/metrics', { logLevel: 'warn' }, async (_request, reply) => {
    const body = await context.metrics.registry.metrics();
    return reply.type(context.metrics.registry.contentType).send(body);
  });
}
