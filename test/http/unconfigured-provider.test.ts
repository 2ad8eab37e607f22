import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';
import { getJson, postJson } from '../helpers/gateway-client.js';

/** A model whose providers have no key: listed as unavailable, and a 503 that says what to set. */
describe('a model without a configured provider', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({}, { env: {} });
  });
  afterAll(() => gateway?.close());

  it('is listed with available: false', async () => {
    const models = await getJson(gateway.url, '/v1/models?name=gpt-image-2');
    expect(models.body['openai/gpt-image-2']).toMatchObject({ available: false });
    const openaiList = await getJson(gateway.url, '/v1/openai/models');
    expect(openaiList.body.data.map((model: { id: string }) => model.id)).not.toContain('openai/gpt-image-2');
  });

  it('answers 503 naming the variable to set, and charges nothing', async () => {
    const result = await postJson(
      gateway.url,
      '/v1/openai/images/generations',
      { model: 'openai/gpt-image-2', prompt: 'x' },
      { key: gateway.key },
    );
    expect(result.status).toBe(503);
    expect(result.body.error).toMatchObject({ type: 'service_unavailable', code: 'model_unavailable' });
    expect(result.body.error.message).toContain('OPENAI_API_KEY');
    const several = await postJson(
      gateway.url,
      '/v1/openai/images/generations',
      { model: 'black-forest-labs/FLUX-1-schnell', prompt: 'x' },
      { key: gateway.key },
    );
    expect(several.status).toBe(503);
    for (const variable of ['FAL_API_KEY', 'REPLICATE_API_KEY', 'TOGETHER_API_KEY', 'DEEPINFRA_API_KEY'])
      expect(several.body.error.message).toContain(variable);
  });
});
