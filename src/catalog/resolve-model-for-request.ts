import { ApiError, invalidParam } from '../errors/api-error.js';
import type { Catalog } from './catalog.js';
import { lifecycleMessage } from './model-lifecycle.js';
import { pricedRoutes, type ResolvedModel } from './resolved-model.js';

/** The kind of endpoint asking: a video model on the image endpoint is a client mistake, and vice versa. */
export type ModelOutput = 'image' | 'video';

/** The message of an unknown model, shared with `GET /v1/models/{id}`. */
export function modelNotFound(id: string): ApiError {
  return new ApiError({
    kind: 'not_found',
    message: `The model '${id}' does not exist. See GET /v1/models for the available models.`,
    param: 'model',
    code: 'model_not_found',
  });
}

/**
 * The model a generation request names, aliases resolved, or the `ApiError` the client gets:
 * 404 unknown, 410 retired, 400 wrong endpoint, 503 when no route has a price. Use
 * `model.id` (the canonical id) from here on, in logs and records too.
 */
export function resolveModelForRequest(catalog: Catalog, rawId: string, output: ModelOutput = 'image'): ResolvedModel {
  if (rawId === '') throw invalidParam('model', "'model' is a required parameter");
  const model = catalog.get(rawId);
  if (model === undefined) throw modelNotFound(rawId);
  const lifecycle = catalog.lifecycle(model);
  if (lifecycle.state === 'retired') {
    throw new ApiError({
      kind: 'invalid_request',
      // 410, not 404: the id was valid once, and the message tells the client what replaced it.
      status: 410,
      message: model.retired_message ?? lifecycleMessage(model.id, lifecycle),
      param: 'model',
      code: 'model_retired',
    });
  }
  if (!model.output.includes(output)) {
    const message =
      output === 'image'
        ? `'${model.id}' is a video model. Please use the video generation endpoint.`
        : `'${model.id}' is an image model. Please use the image generation endpoint.`;
    throw invalidParam('model', message, 'wrong_endpoint');
  }
  if (pricedRoutes(model).length === 0) {
    // An operator error, not the client's: nothing is served at an accidental $0.
    throw new ApiError({
      kind: 'unavailable',
      message: `The model '${model.id}' has no priced route; the operator must set its pricing.`,
      param: 'model',
      code: 'model_unpriced',
    });
  }
  return model;
}
