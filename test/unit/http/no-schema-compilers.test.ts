import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { noSchemaCompilers } from '../../../src/http/no-schema-compilers.js';

describe('noSchemaCompilers', () => {
  it('refuses a route that declares a body schema, naming the way routes validate here', async () => {
    const app = Fastify({ schemaController: noSchemaCompilers });
    app.post('/echo', { schema: { body: { type: 'object' } } }, async (request) => request.body);
    await expect(app.ready()).rejects.toThrow(/route schemas are not used here: parse the request with a zod schema/);
  });

  it('refuses a response schema too', async () => {
    const app = Fastify({ schemaController: noSchemaCompilers });
    app.get('/hello', { schema: { response: { 200: { type: 'object' } } } }, async () => ({ hello: 'world' }));
    await expect(app.ready()).rejects.toThrow(/route schemas are not used here/);
  });

  it('leaves routes without schemas alone: bodies parse and replies serialize as usual', async () => {
    const app = Fastify({ schemaController: noSchemaCompilers });
    app.post('/echo', async (request) => ({ got: request.body }));
    const response = await app.inject({ method: 'POST', url: '/echo', payload: { a: [1, 'two'] } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ got: { a: [1, 'two'] } });
    const bad = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"a":' });
    expect(bad.statusCode).toBe(400);
    await app.close();
  });
});
