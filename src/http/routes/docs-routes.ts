import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context.js';
import { buildOpenApiDocument } from '../openapi/build-openapi-document.js';
import { renderDocsPage } from '../openapi/render-docs-page.js';

export async function docsRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  // Built once: the schemas don't change while the process runs.
  const document = buildOpenApiDocument(context.config.publicUrl);
  const page = renderDocsPage(document);
  app.get('/openapi.json', async () => document);
  app.get('/docs', async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
}
