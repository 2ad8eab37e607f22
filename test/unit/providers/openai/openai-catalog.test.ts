import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InputImage } from '../../../../src/domain/image-request.js';
import { defaultModelsDir } from '../../../../src/catalog/load-catalog.js';
import { modelLifecycle } from '../../../../src/catalog/model-lifecycle.js';
import { modelFileSchema } from '../../../../src/catalog/model-schema.js';
import { readYamlFile } from '../../../../src/catalog/read-yaml-file.js';
import { sentParameters, type OpenAICall } from '../../../../src/providers/openai/openai-parameters.js';
import { openAIProvider } from '../../../../src/providers/openai/openai-provider.js';
import { buildOpenAIRequest } from '../../../../src/providers/openai/openai-request.js';
import { parsedCall } from '../../../helpers/provider-call.js';

const models = modelFileSchema.parse(readYamlFile(path.join(defaultModelsDir(), 'openai.yaml'))).models;

/** A valid value for every OpenAI extra parameter. */
const EVERY_EXTRA = {
  style: 'vivid',
  background: 'opaque',
  output_compression: 90,
  moderation: 'low',
  input_fidelity: 'high',
  complexity: 'medium',
  user: 'u_1',
};
const image: InputImage = { bytes: Buffer.from('x'), format: 'png', width: 64, height: 64, hasAlpha: false };

function editCall(upstreamModel: string, options: Record<string, unknown>, edit: boolean): OpenAICall {
  return parsedCall(openAIProvider, {
    request: { model: 'm', prompt: 'p', images: edit ? [image] : [], extra: EVERY_EXTRA },
    upstreamModel,
    deadline: Date.now() + 1000,
    options,
    endpoint: { instance: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey: 'k' },
  });
}

/** Every route of openai.yaml, and a route with no options (an OpenAI model the catalog does not know yet). */
const routeOptions: Array<[string, Record<string, unknown>]> = [
  ...models.flatMap((model) => model.routes.map((route): [string, Record<string, unknown>] => [route.model, route.options])),
  ['gpt-image-3', {}],
];

describe('openai catalog', () => {
  it('lists the models ImageRouter names, each retiring on its date with a successor', () => {
    const state = (now: number) => models.map((model) => [model.id, modelLifecycle(model, now).state]);
    // On 2026-12-04, after gpt-image-1.5 and -mini left OpenAI's API (2026-12-01).
    expect(state(Date.UTC(2026, 11, 4))).toEqual([
      ['openai/gpt-image-2', 'active'],
      ['openai/gpt-image-2.5-flare', 'active'],
      ['openai/gpt-image-2.5-sunburst', 'active'],
      ['openai/gpt-image-2.6-flare', 'active'],
      ['openai/gpt-image-2.6-sunburst', 'active'],
      ['openai/gpt-image-1.5', 'retired'],
      ['openai/gpt-image-1-mini', 'retired'],
      ['openai/gpt-image-1', 'retired'],
      ['openai/dall-e-3', 'retired'],
      ['openai/dall-e-2', 'retired'],
    ]);
    // The day before, they were served, deprecated.
    expect(Object.fromEntries(state(Date.UTC(2026, 10, 30, 23, 59)))).toMatchObject({
      'openai/gpt-image-1.5': 'deprecated',
      'openai/gpt-image-1-mini': 'deprecated',
      'openai/gpt-image-1': 'retired',
    });
    for (const model of models.filter((candidate) => modelLifecycle(candidate, Date.UTC(2026, 11, 4)).state === 'retired')) {
      const successor = model.successor ?? /Please switch to '([^']+)'/.exec(model.retired_message ?? '')?.[1];
      expect(successor, model.id).toBe('openai/gpt-image-2');
    }
  });

  it.each(routeOptions)('sends exactly the parameters sentParameters names for %s', (upstreamModel, options) => {
    const profile = openAIProvider.routeOptions.parse(options).profile;
    const edit = profile.maxInputImages > 0;
    const request = buildOpenAIRequest(
      editCall(upstreamModel, options, edit),
      edit ? { images: [{ bytes: Buffer.from('x'), format: 'png' }], mask: undefined } : { images: [], mask: undefined },
    );
    const sent = request.body.type === 'json' ? Object.keys(request.body.json) : request.body.fields.map((field) => field.name);
    expect(sent.filter((name) => name in EVERY_EXTRA).sort()).toEqual(sentParameters(profile).sort());
  });

  it.each(models.map((model) => [model.id, model] as const))('%s: capabilities match what its route can send', (_id, model) => {
    for (const route of model.routes) {
      expect(route.provider).toBe('openai');
      const { profile } = openAIProvider.routeOptions.parse(route.options);
      expect([...model.capabilities.parameters].sort()).toEqual(sentParameters(profile).sort());
      expect(model.capabilities.max_input_images).toBeLessThanOrEqual(profile.maxInputImages);
      if (profile.sizes !== 'flexible')
        for (const size of model.capabilities.sizes ?? []) expect(['auto', ...profile.sizes]).toContain(size);
      else expect(model.capabilities.sizes).toBeUndefined();
    }
    expect(model.pricing).toBeDefined();
  });
});
