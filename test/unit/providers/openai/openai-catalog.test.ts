import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InputImage } from '../../../../src/domain/image-request.js';
import { defaultModelsDir } from '../../../../src/catalog/load-catalog.js';
import { modelFileSchema } from '../../../../src/catalog/model-schema.js';
import { readYamlFile } from '../../../../src/catalog/read-yaml-file.js';
import { OPENAI_MODEL_FAMILIES, OPENAI_MODEL_PROFILES, openAIModelProfile } from '../../../../src/providers/openai/openai-models.js';
import { sentParameters } from '../../../../src/providers/openai/openai-parameters.js';
import { buildOpenAIRequest } from '../../../../src/providers/openai/openai-request.js';
import type { ProviderCall } from '../../../../src/providers/provider.js';
import { providerCall } from '../../../helpers/provider-call.js';

const models = modelFileSchema.parse(readYamlFile(path.join(defaultModelsDir(), 'openai.yaml'))).models;

/** A valid value for every OpenAI extra parameter. */
const EVERY_EXTRA = { style: 'vivid', background: 'opaque', output_compression: 90, moderation: 'low', input_fidelity: 'high', user: 'u_1' };
const image: InputImage = { bytes: Buffer.from('x'), format: 'png', width: 64, height: 64, hasAlpha: false };

function editCall(family: string, edit: boolean): ProviderCall {
  return providerCall({
    request: { model: 'm', prompt: 'p', images: edit ? [image] : [], extra: EVERY_EXTRA },
    upstreamModel: `model-of-${family}`,
    deadline: Date.now() + 1000,
    options: { family },
    endpoint: { instance: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey: 'k' },
  });
}

describe('openai catalog', () => {
  it('lists the models ImageRouter names, the retired ones with a message', () => {
    expect(models.map((model) => [model.id, model.status])).toEqual([
      ['openai/gpt-image-2', 'active'],
      ['openai/gpt-image-1.5', 'active'],
      ['openai/gpt-image-1-mini', 'active'],
      ['openai/gpt-image-1', 'retired'],
      ['openai/dall-e-3', 'retired'],
      ['openai/dall-e-2', 'retired'],
    ]);
    for (const model of models.filter((candidate) => candidate.status === 'retired')) expect(model.retired_message).toMatch(/^.+ is no longer available\. Please switch to 'openai\/gpt-image-2'/);
  });

  it.each(OPENAI_MODEL_FAMILIES)('sends exactly the parameters sentParameters names for %s', (family) => {
    const profile = OPENAI_MODEL_PROFILES[family];
    const edit = profile.maxInputImages > 0;
    const request = buildOpenAIRequest(editCall(family, edit), edit ? { images: [{ bytes: Buffer.from('x'), format: 'png' }], mask: undefined } : { images: [], mask: undefined });
    const sent = request.body.type === 'json' ? Object.keys(request.body.json) : request.body.fields.map((field) => field.name);
    expect(sent.filter((name) => name in EVERY_EXTRA).sort()).toEqual(sentParameters(profile).sort());
  });

  it.each(models.map((model) => [model.id, model] as const))('%s: capabilities match what its route can send', (_id, model) => {
    for (const route of model.routes) {
      expect(route.provider).toBe('openai');
      const profile = openAIModelProfile(route.model, route.options);
      expect([...model.capabilities.parameters].sort()).toEqual(sentParameters(profile).sort());
      expect(model.capabilities.max_input_images).toBeLessThanOrEqual(profile.maxInputImages);
      if (profile.sizes !== 'flexible') for (const size of model.capabilities.sizes ?? []) expect(['auto', ...profile.sizes]).toContain(size);
      else expect(model.capabilities.sizes).toBeUndefined();
    }
    expect(model.pricing).toBeDefined();
  });
});
