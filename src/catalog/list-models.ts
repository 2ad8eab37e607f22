import type { Catalog } from './catalog.js';
import { toModelEntryV1, toModelEntryV2, type ModelEntryV1, type ModelEntryV2 } from './model-entries.js';
import { parseModelsV1Query, parseModelsV2Query } from './models-query.js';
import { modelNotFound } from './resolve-model-for-request.js';
import type { ModelAvailability, ResolvedModel } from './resolved-model.js';
import { selectModels } from './select-models.js';

/**
 * Bodies of the catalog endpoints, as pure functions over the catalog. Queries are the raw
 * `request.query`; a bad parameter throws a 400 `ApiError` naming it.
 */

export { popularModels, POPULAR_MODELS_LIMIT, type ModelUsageCount, type PopularModelJson } from './popular-models.js';

export type { ModelAvailability } from './resolved-model.js';

/** `GET /v1/models`: an object keyed by id, in sort order (catalog order without `sort`). */
export function listModelsV1(catalog: Catalog, query: unknown, availability: ModelAvailability): Record<string, ModelEntryV1> {
  const selection = parseModelsV1Query(query);
  const body: Record<string, ModelEntryV1> = {};
  for (const model of selectModels(catalog, selection))
    body[model.id] = toModelEntryV1(model, availability(model), catalog.lifecycle(model));
  return body;
}

/**
 * `GET /v1/models/{id}`: the list entry plus `id` (the public service returned a different shape
 * here, W10). Aliases resolve to the canonical id; retired models are shown with their status.
 */
export function getModelV1(catalog: Catalog, id: string, availability: ModelAvailability): ModelEntryV1 & { id: string } {
  const model = catalog.get(id);
  if (model === undefined) throw modelNotFound(id);
  return { id: model.id, ...toModelEntryV1(model, availability(model), catalog.lifecycle(model)) };
}

/** A `/v2/models` item after `fields=`: `id` and whichever fields were asked for. */
export type ModelEntryV2Fields = Pick<ModelEntryV2, 'id'> & Partial<ModelEntryV2>;

/** `GET /v2/models`: the live docs' array form. */
export function listModelsV2(catalog: Catalog, query: unknown, availability: ModelAvailability): ModelEntryV2Fields[] {
  const selection = parseModelsV2Query(query);
  const entries = selectModels(catalog, selection).map((model) => toModelEntryV2(model, availability(model), catalog.lifecycle(model)));
  const fields = selection.fields;
  if (fields === undefined) return entries;
  return entries.map((entry) => {
    const picked: Record<string, unknown> = { id: entry.id };
    for (const field of fields) picked[field] = entry[field];
    return picked as ModelEntryV2Fields;
  });
}

/** `GET /v2/models/{id}` (the live docs describe it): one v2 item, aliases resolved. */
export function getModelV2(catalog: Catalog, id: string, availability: ModelAvailability): ModelEntryV2 {
  const model = catalog.get(id);
  if (model === undefined) throw modelNotFound(id);
  return toModelEntryV2(model, availability(model), catalog.lifecycle(model));
}

/** One model in OpenAI's form. */
export interface OpenAIModel {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

export interface OpenAIModelList {
  object: 'list';
  data: OpenAIModel[];
}

/**
 * `GET /v1/openai/models`, OpenAI's list form. Only models a client can call right now: active
 * and available (an OpenAI client treats this list as "what my key can use").
 * `created` is the release date in Unix seconds, as OpenAI's models list has it.
 */
export function listModelsOpenAI(catalog: Catalog, availability: ModelAvailability): OpenAIModelList {
  return {
    object: 'list',
    data: catalog
      .all()
      .filter((model) => catalog.lifecycle(model).state !== 'retired' && availability(model))
      .map(toOpenAIModel),
  };
}

/**
 * `GET /v1/openai/models/{id}` (OpenAI SDKs' `models.retrieve`): one item of that list; a model
 * the list leaves out is a 404 here too. Aliases resolve to the canonical id.
 */
export function getModelOpenAI(catalog: Catalog, id: string, availability: ModelAvailability): OpenAIModel {
  const model = catalog.get(id);
  if (model === undefined || catalog.lifecycle(model).state === 'retired' || !availability(model)) throw modelNotFound(id);
  return toOpenAIModel(model);
}

function toOpenAIModel(model: ResolvedModel): OpenAIModel {
  return { id: model.id, object: 'model', created: Date.parse(`${model.release_date}T00:00:00Z`) / 1000, owned_by: model.author };
}
