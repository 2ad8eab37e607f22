import type { FastifyPluginAsync } from 'fastify';
import { buildOpenApiDocument } from '../openapi/build-openapi-document.js';
import { renderDocsPage } from '../openapi/render-docs-page.js';

export const docsRoutes: FastifyPluginAsync<{ publicUrl: string }> = async (app, { publicUrl }) => {
  // Built on first use, then kept: the schemas don't change while the process runs, and building
  // the document (every zod schema to JSON Schema) is better left out of the cold start.
  let document: ReturnType<typeof buildOpenApiDocument> | undefined;
  let page: string | undefined;
  const openApiDocument = () => (document ??= buildOpenApiDocument(publicUrl));
  app.get('/openapi.json', async () => openApiDocument());
  app.get('/docs', async (_request, reply) => reply.type('text/html; charset=utf-8').send((page ??= renderDocsPage(openApiDocument()))));
};
