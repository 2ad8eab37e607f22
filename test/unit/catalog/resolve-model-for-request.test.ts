import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../src/catalog/load-catalog.js';
import { resolveModelForRequest } from '../../../src/catalog/resolve-model-for-request.js';
import { ApiError } from '../../../src/errors/api-error.js';
import { fixtureCatalog, modelsDir, thrownBy } from './catalog-fixture.js';

function apiError(action: () => unknown): ApiError {
  const error = thrownBy(action);
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('resolveModelForRequest', () => {
  const catalog = fixtureCatalog();

  it('resolves an alias to the canonical model', () => {
    expect(resolveModelForRequest(catalog, 'alpha').id).toBe('acme/alpha');
    expect(resolveModelForRequest(catalog, 'test/test').id).toBe('test/test');
  });

  it('answers an unknown model with a 404 naming it and the list endpoint', () => {
    const error = apiError(() => resolveModelForRequest(catalog, 'nope/x'));
    expect(error).toMatchObject({
      status: 404,
      kind: 'not_found',
      type: 'invalid_request_error',
      param: 'model',
      code: 'model_not_found',
      message: "The model 'nope/x' does not exist. See GET /v1/models for the available models.",
    });
  });

  it("answers a retired model with 410 and the model's message", () => {
    expect(apiError(() => resolveModelForRequest(catalog, 'old/gone'))).toMatchObject({
      status: 410,
      kind: 'invalid_request',
      param: 'model',
      code: 'model_retired',
      message: "old/gone was replaced by 'acme/alpha'.",
    });
  });

  it('uses a default 410 message when the model has none', () => {
    const retired = loadCatalog({
      builtinDir: modelsDir({ 'a.yaml': 'models:\n  - { id: acme/old, release_date: "2024-01-01", status: retired }\n' }),
    });
    expect(apiError(() => resolveModelForRequest(retired, 'acme/old')).message).toBe(
      "The model 'acme/old' was retired and is no longer available.",
    );
  });

  it('sends a video model to the video endpoint, and an image model to the image one', () => {
    expect(apiError(() => resolveModelForRequest(catalog, 'vid/clip'))).toMatchObject({
      status: 400,
      param: 'model',
      message: "'vid/clip' is a video model. Please use the video generation endpoint.",
    });
    expect(apiError(() => resolveModelForRequest(catalog, 'alpha', 'video')).message).toBe(
      "'acme/alpha' is an image model. Please use the image generation endpoint.",
    );
    expect(resolveModelForRequest(catalog, 'vid/clip', 'video').id).toBe('vid/clip');
  });

  it('refuses a model without any priced route (503) rather than serving it for $0', () => {
    expect(apiError(() => resolveModelForRequest(catalog, 'nop/unpriced'))).toMatchObject({
      status: 503,
      code: 'model_unpriced',
    });
  });

  it('asks for a model when it is empty', () => {
    expect(apiError(() => resolveModelForRequest(catalog, ''))).toMatchObject({ status: 400, param: 'model' });
  });
});
