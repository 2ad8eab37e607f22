import type { FastifyServerOptions } from 'fastify';

const NOT_USED = 'route schemas are not used here: parse the request with a zod schema in the handler (src/http/schemas/)';

/**
 * Fastify's `schemaController` without Ajv or fast-json-stringify. Every route parses its input
 * with zod and writes its own JSON, so Fastify's default compilers would only be loaded and never
 * called; loading them was part of every cold start, and the server bundle leaves them out
 * (`scripts/bundle-server.js`). A route that declares a `schema:` fails at registration, loudly.
 */
export const noSchemaCompilers: NonNullable<FastifyServerOptions['schemaController']> = {
  compilersFactory: {
    buildValidator: () => () => {
      throw new Error(NOT_USED);
    },
    buildSerializer: () => () => {
      throw new Error(NOT_USED);
    },
  },
};
