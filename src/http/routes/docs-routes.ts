import type { FastifyPluginAsync } from 'fastify';
import { buildOpenApiDocument } from '../openapi/build-openapi-document.js';
import { renderDocsPage } from '../openapi/render-docs-page.js';

export const docsRoutes: FastifyPluginAsync<{ publicUrl: string }> = async (app, { publicUrl }) => {
  // Built once: the schemas don't change while the process runs.
  const document = buildOpenApiDocument(publicUrl);
  const page = renderDocsPage(document);
  app.get('/openapi.json', async () => document);
  app.get('/docs', async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
};
