import { z } from 'zod';
import { invalidParam } from '../errors/api-error.js';
import { invalidParamFromZod } from '../errors/invalid-param-from-zod.js';
import { INPUT_TYPES, type InputType } from './model-inputs.js';

/**
 * Query strings of the catalog endpoints. Exported for the OpenAPI document; routes should pass
 * the raw `request.query` to the list functions, which parse it and throw a 400 `ApiError` naming
 * the parameter (unlike the public service, where `limit=abc` silently returned `{}`).
 * Unknown parameters are ignored, as by the public service (cache busters are common).
 */

export const SORT_KEYS = ['name', 'provider', 'price', 'date'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export const OUTPUT_TYPES = ['image', 'video'] as const;
export type OutputType = (typeof OUTPUT_TYPES)[number];

/** Fields of a `/v2/models` entry that `fields=` may select; `id` is always kept. */
export const V2_FIELDS = [
  'id',
  'name',
  'aliases',
  'release_date',
  'inputs',
  'output',
  'price',
  'available',
  'status',
  'deprecated_on',
  'retires_on',
  'successor',
] as const;
export type V2Field = (typeof V2_FIELDS)[number];

/** A repeated parameter (`?limit=1&limit=2`) arrives as an array: refused rather than guessed. */
function text(param: string) {
  return z.string({ error: () => `'${param}' must be given once` });
}

/** A plain enum (so the OpenAPI document lists the values), with messages naming the parameter. */
function oneOf<const Values extends readonly [string, ...string[]]>(param: string, values: Values) {
  return z.enum(values, {
    error: (issue) =>
      typeof issue.input === 'string'
        ? `'${param}' must be one of: ${values.join(', ')} (got '${issue.input}')`
        : `'${param}' must be given once`,
  });
}

function booleanText(param: string) {
  return oneOf(param, ['true', 'false']).transform((value) => value === 'true');
}

function commaList<const Values extends readonly [string, ...string[]]>(param: string, values: Values) {
  return text(param).transform((value, context): Array<Values[number]> => {
    const items = value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
    const unknown = items.filter((item) => !values.includes(item));
    if (unknown.length > 0) {
      context.addIssue({
        code: 'custom',
        message: `'${param}' accepts a comma list of: ${values.join(', ')} (unknown: ${unknown.join(', ')})`,
      });
      return z.NEVER;
    }
    return items as Array<Values[number]>;
  });
}

const positiveInteger = (param: string) =>
  text(param)
    .regex(/^[1-9]\d*$/, { error: (issue) => `'${param}' must be a positive integer (got '${String(issue.input)}')` })
    .transform(Number);

/** `GET /v1/models` (and the shared part of `/v2/models`). */
export const modelsV1QuerySchema = z.object({
  type: oneOf('type', OUTPUT_TYPES).optional().describe('Keep models whose `output` contains this.'),
  provider: text('provider')
    .optional()
    .describe("Case-insensitive substring of the model's author (the id before `/`) or of any provider serving it."),
  free: booleanText('free').optional().describe('`true`: some provider serves the model at $0; `false`: none does.'),
  name: text('name').optional().describe('Case-insensitive substring of the id, an alias or the display name.'),
  sort: oneOf('sort', SORT_KEYS)
    .optional()
    .describe('`name` (id), `provider` (author), `price` (cheapest first, unpriced last), `date` (newest first). Default: catalog order.'),
  limit: positiveInteger('limit').optional().describe('At most this many models, after sorting.'),
  include_retired: booleanText('include_retired').optional().describe('Retired models are left out unless `true`.'),
});
export type ModelsV1Query = z.output<typeof modelsV1QuerySchema>;

/** `GET /v2/models`: the live docs' names (`outputType`; `type` kept as an alias), plus `inputType` and `fields`. */
export const modelsV2QuerySchema = modelsV1QuerySchema.extend({
  outputType: oneOf('outputType', OUTPUT_TYPES).optional().describe('Keep models whose `output` contains this (`type` is an alias).'),
  inputType: commaList('inputType', INPUT_TYPES)
    .optional()
    .describe(`Comma list of ${INPUT_TYPES.join(', ')}: keep models accepting every listed input.`),
  fields: commaList('fields', V2_FIELDS)
    .optional()
    .describe(`Comma list of ${V2_FIELDS.join(', ')}: the fields to return (\`id\` is always kept).`),
});
export type ModelsV2Query = z.output<typeof modelsV2QuerySchema>;

/** What the shared selection needs, whatever the endpoint's parameter names. */
export interface ModelSelection {
  output: OutputType | undefined;
  provider: string | undefined;
  free: boolean | undefined;
  name: string | undefined;
  inputs: InputType[];
  includeRetired: boolean;
  sort: SortKey | undefined;
  limit: number | undefined;
}

export function parseModelsV1Query(raw: unknown): ModelSelection {
  const query = parseQuery(modelsV1QuerySchema, raw);
  return { ...selectionOf(query), output: query.type };
}

export function parseModelsV2Query(raw: unknown): ModelSelection & { fields: V2Field[] | undefined } {
  const query = parseQuery(modelsV2QuerySchema, raw);
  if (query.outputType !== undefined && query.type !== undefined && query.outputType !== query.type) {
    throw invalidParam(
      'outputType',
      `'outputType' and its alias 'type' disagree ('${query.outputType}' vs '${query.type}')`,
      'invalid_query',
    );
  }
  return { ...selectionOf(query), output: query.outputType ?? query.type, inputs: query.inputType ?? [], fields: query.fields };
}

function selectionOf(query: ModelsV1Query): ModelSelection {
  return {
    output: query.type,
    provider: query.provider,
    free: query.free,
    name: query.name,
    inputs: [],
    includeRetired: query.include_retired ?? false,
    sort: query.sort,
    limit: query.limit,
  };
}

function parseQuery<Schema extends z.ZodType>(schema: Schema, raw: unknown): z.output<Schema> {
  const result = schema.safeParse(typeof raw === 'object' && raw !== null ? raw : {});
  if (result.success) return result.data;
  throw invalidParamFromZod(result.error, 'query', 'invalid_query');
}
