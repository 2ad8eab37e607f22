import { z } from 'zod';

/* The small builders every part of the OpenAPI document uses: schemas from zod, refs, bodies, errors. */

export type JsonObject = Record<string, unknown>;

/** A zod schema as JSON Schema, without `$schema` (it sits inside the OpenAPI document). */
export function toJson(schema: z.ZodType, io: 'input' | 'output' = 'input'): JsonObject {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonObject;
  return rest;
}

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const json = (schema: JsonObject) => ({ 'application/json': { schema } });

/** Error responses for `statuses`, each with its description from `descriptions` and the shared Error body. */
export function errorResponses(descriptions: Readonly<Record<number, string>>, statuses: readonly number[]): JsonObject {
  return Object.fromEntries(
    statuses.map((status) => [String(status), { description: descriptions[status] ?? 'Error', content: json(ref('Error')) }]),
  );
}

/** A query schema's fields as OpenAPI parameters (strings in, typed by the route after). */
export function queryParameters(schema: z.ZodType, skip: readonly string[] = []): JsonObject[] {
  const properties = (toJson(schema, 'input')['properties'] ?? {}) as Record<string, JsonObject>;
  return Object.entries(properties)
    .filter(([name]) => !skip.includes(name))
    .map(([name, property]) => {
      const { description, ...rest } = property;
      return { name, in: 'query', required: false, description: typeof description === 'string' ? description : '', schema: rest };
    });
}
